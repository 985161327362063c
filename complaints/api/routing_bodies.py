"""``POST /api/v1/routing/suggest``: its request body and its answer, as pydantic models.

The same models the view reads and answers with, and from which the spec's
components are generated (:mod:`.openapi`).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, Field

from .request_bodies import Body, Text
from .response_bodies import Instant, Shape

Score = Annotated[float, Field(ge=0, le=1, description="The model's probability, 0..1.")]


class RoutingQuery(Body):
    """``POST /api/v1/routing/suggest``: a complaint's text, as a citizen would send it."""

    DOCUMENTED_REQUIRED = ("description",)
    EXAMPLE: ClassVar[dict[str, Any] | None] = {
        "title": "Jalan rusak",
        "description": "Jalan di depan SD Negeri 1 Suwawa berlubang besar, motor sering jatuh.",
        "address": "Jl. Trans Sulawesi, Desa Bube, Suwawa",
    }

    description: Text | None = Field(None, description="The complaint's text (required).")
    title: Text | None = Field(None, description="Its title, where there is one.")
    address: Text | None = Field(None, description="Where: street, desa or kelurahan, kecamatan.")


class RoutingChoice(Shape):
    code: str
    name: str
    score: Score


class RoutingModelInfo(Shape):
    trained_at: Instant
    trained_on: int = Field(description="Complaints the model learnt from.")


class RoutingSuggestion(Shape):
    """Units and categories best first (at most 5 each), and the automatic unit."""

    units: Annotated[list[RoutingChoice], Field(max_length=5)]
    categories: Annotated[list[RoutingChoice], Field(max_length=5)]
    auto_unit: str | None = Field(
        description="The unit code the service would route to on its own (its held-out "
        "precision at least 95 %), or null."
    )
    model: RoutingModelInfo


BODIES: tuple[type[Body], ...] = (RoutingQuery,)
ANSWERS: tuple[type[BaseModel], ...] = (RoutingSuggestion,)
