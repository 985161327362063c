"""What /api/v1 takes in request bodies, as pydantic models, and their 422 messages.

The models check types only, strictly (``"1"`` is no number, ``1`` is no
true), and refuse text a database cannot store. What the content must be —
a known category, a long enough description, a move the workflow allows —
stays with the service functions, which word it for citizens; the spec
still documents it (enums, ranges, required fields). Each pydantic error
becomes one of the API's gettext messages, and :class:`Checked` lets a view
refuse a body's fields in the order it needs them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from flask_babel import gettext
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from complaints.errors import ValidationFailed
from complaints.models import Kind, Status

from .inputs import storable

KINDS = [kind.value for kind in Kind]
STATUSES = [status.value for status in Status]


def _storable(text: str) -> str:
    if not storable(text):
        raise PydanticCustomError("unstorable_text", "text a database cannot store")
    return text


Text = Annotated[str, AfterValidator(_storable)]
Number = Annotated[float, Field(allow_inf_nan=False)]


def one_of(values: list[str]) -> WithJsonSchema:
    """Documents the values a service function accepts (it refuses others in its own words)."""
    return WithJsonSchema({"type": "string", "enum": values})


@dataclass(frozen=True)
class Refusal:
    """A field's own 422 message for a value of the wrong type (e.g. for a union)."""

    message: Callable[[], str]


ASSIGNEE = Refusal(lambda: gettext("Give an e-mail address or a user id."))
Assignee = Annotated[str | int | None, ASSIGNEE]


def _message_for(model: type[BaseModel], name: str, error_type: str) -> str:
    """The API's words for a pydantic error (the messages of the old hand-written checks)."""
    if error_type == "missing":
        return gettext("This field is required.")
    for item in model.model_fields[name].metadata:
        if isinstance(item, Refusal):
            return item.message()
    if error_type in ("unstorable_text", "string_unicode"):
        return gettext("This text contains characters that are not allowed.")
    if error_type in ("float_type", "finite_number"):
        return gettext("This must be a number.")
    if error_type == "bool_type":
        return gettext("This must be true or false.")
    if error_type == "int_type":
        return gettext("This must be a whole number.")
    return gettext("This must be text.")


def _documented(schema: dict[str, Any], model: type[Any]) -> None:
    """Adds to the spec what the service functions check: required members, an example."""
    if model.DOCUMENTED_REQUIRED:
        required = [*schema.get("required", []), *model.DOCUMENTED_REQUIRED]
        schema["required"] = list(dict.fromkeys(required))
    if model.EXAMPLE:
        schema["example"] = model.EXAMPLE


class Body(BaseModel):
    """A JSON request body: strict types, unknown members ignored."""

    model_config = ConfigDict(strict=True, json_schema_extra=_documented)
    # Required in the spec, but their absence is refused by a service function in
    # its own words (e.g. "Choose a category."), after the type checks.
    DOCUMENTED_REQUIRED: ClassVar[tuple[str, ...]] = ()
    EXAMPLE: ClassVar[dict[str, Any] | None] = None


B = TypeVar("B", bound=Body)


class Checked(Generic[B]):
    """A request body read as ``B``, and a message per member that failed its type.

    A member with a problem is left out of :attr:`body` (so it has its default).
    """

    def __init__(self, body: B, problems: Mapping[str, str], missing: set[str]) -> None:
        self.body = body
        self.problems = dict(problems)
        self.missing = missing

    def sent(self, name: str) -> bool:
        """Whether the body has the member ``name`` (null included), well typed or not."""
        return name in self.body.model_fields_set or name in self.problems

    def refuse(self, *names: str) -> None:
        """422 for the problems among ``names`` (every problem when none is named)."""
        chosen = names or tuple(self.problems)
        refused = {name: self.problems[name] for name in chosen if name in self.problems}
        if refused:
            raise ValidationFailed(refused)

    def refuse_missing(self) -> None:
        """422 for required members that are absent, before any other problem."""
        absent = [name for name in self.problems if name in self.missing]
        if absent:
            self.refuse(*absent)


def check(model: type[B], payload: Mapping[str, Any]) -> Checked[B]:
    """Read ``payload`` (a decoded JSON object) as ``model``; problems are kept, not raised."""
    try:
        return Checked(model.model_validate(payload), {}, set())
    except ValidationError as failure:
        problems: dict[str, str] = {}
        missing: set[str] = set()
        for error in failure.errors():
            name = str(error["loc"][0])
            if name not in problems:  # a union reports each member it tried: keep one
                problems[name] = _message_for(model, name, error["type"])
                if error["type"] == "missing":
                    missing.add(name)
        sound = {
            name: value
            for name, value in payload.items()
            if name in model.model_fields and name not in problems
        }
        return Checked(model.model_construct(**sound), problems, missing)


# --- the bodies ------------------------------------------------------------------------------


class NewComplaint(Body):
    """``POST /api/v1/complaints``. Members in the order their problems are listed."""

    DOCUMENTED_REQUIRED = ("category", "description")
    EXAMPLE = {
        "category": "road-damage",
        "description": "Jalan berlubang di depan SD Negeri 1 Suwawa.",
        "lat": 0.5412,
        "lon": 123.1291,
    }

    category: Text | None = Field(None, description="A code from GET /api/v1/categories.")
    description: Text | None = Field(None, description="10 to 5000 characters.")
    kind: Annotated[Text, one_of(KINDS)] | None = None
    address: Text | None = None
    kecamatan: Text | None = Field(None, description="A kecamatan (district) of the regency.")
    desa: Text | None = Field(
        None, description="A desa or kelurahan of that kecamatan (alone, when its name is unique)."
    )
    lat: Number | None = Field(None, json_schema_extra={"minimum": -90, "maximum": 90})
    lon: Number | None = Field(None, json_schema_extra={"minimum": -180, "maximum": 180})
    anonymous: bool | None = False
    confidential: bool | None = False
    name: Text | None = None
    phone: Text | None = Field(None, description="Indonesian numbers may omit +62.")
    email: Text | None = None
    locale: Annotated[Text, one_of(["id", "en"])] | None = None


class Transition(Body):
    """``POST …/transitions``: ``to`` and ``version`` are read first, the move's members after."""

    DOCUMENTED_REQUIRED = ("to",)

    to: Annotated[Text, one_of(STATUSES)] | None = None
    version: int | None = Field(None, description="The version you read; 409 if it changed.")
    unit: Text | None = Field(
        None,
        description="Unit code to route to (`verified`); with `to` equal to the current "
        "status (verified or in_progress), the unit to move the complaint to.",
    )
    category: Text | None = Field(None, description="Corrected category code (`verified`).")
    kind: Annotated[Text, one_of(KINDS)] | None = None
    duplicate_of: Text | None = Field(None, description="Tracking code (`merged`).")
    note: Text | None = Field(
        None, description="Note on the move; for `resolved` the resolution (required)."
    )
    reason: Text | None = Field(
        None,
        description="Required for `rejected` (told to the citizen) and for a move to "
        "another unit (staff read it).",
    )
    assignee: Assignee = Field(
        None, description="E-mail or id of an officer of the unit, assigned too."
    )


class Assignment(Body):
    """``POST …/assignment``: ``assignee`` null takes the complaint back."""

    assignee: Assignee = Field(description="E-mail or id of an officer of the unit, or null.")
    version: int | None = Field(None, description="The version you read; 409 if it changed.")


class NewMessage(Body):
    """``POST …/messages``."""

    DOCUMENTED_REQUIRED = ("body",)

    body: Text | None = None
    public: bool | None = Field(
        False, description="true: reply to the citizen; false: internal note."
    )


BODIES: tuple[type[Body], ...] = (NewComplaint, Transition, Assignment, NewMessage)
