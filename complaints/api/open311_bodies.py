"""Open311 GeoReport v2 bodies as pydantic models: one definition each, for answer and spec.

Members are declared in the order GeoReport writes them: the XML form
(:func:`.open311_format.to_xml`) follows it element by element. Instants are
W3C datetimes already in the office's offset, so they are strings here. The
POST form is read as :class:`Open311NewRequest`; its numbers stay text until
:mod:`.open311` converts them with Open311's own error messages.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema
from werkzeug.datastructures import MultiDict

W3CInstant = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
FormNumber = Annotated[str, WithJsonSchema({"type": "number"})]
FormAbsent = SkipJsonSchema[None]


class Open311Body(BaseModel):
    model_config = ConfigDict(frozen=True)


class Open311Error(Open311Body):
    code: int
    description: str


class Open311Errors(RootModel[list[Open311Error]]):
    """Every Open311 error: an array of ``{code, description}``."""

    root: list[Open311Error] = Field(min_length=1)


class Open311Endpoint(Open311Body):
    specification: str
    url: str
    changeset: W3CInstant
    type: Literal["production", "test"]
    formats: list[str]


class Open311Discovery(Open311Body):
    changeset: W3CInstant
    contact: str
    key_service: str
    endpoints: list[Open311Endpoint]


class Open311Service(Open311Body):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str


class Open311ServiceDefinition(Open311Body):
    """Our services take no extra attributes."""

    service_code: str
    attributes: list[Any] = Field(max_length=0)


class Open311ServiceRequest(Open311Body):
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: str
    service_code: str
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: W3CInstant
    updated_datetime: W3CInstant
    expected_datetime: W3CInstant | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None


class Open311Created(Open311Body):
    service_request_id: str
    service_notice: str | None
    account_id: str | None
    reporter_key: str | None = Field(
        description="The reporter's key, for the citizen only: "
        "/track/<service_request_id>?key=<reporter_key> lets them confirm and rate."
    )


def _form_schema(schema: dict[str, Any]) -> None:
    """A form has no nulls and no defaults: a member is sent or it is not."""
    for member in schema["properties"].values():
        member.pop("default", None)
    schema["required"] = ["api_key", "service_code"]


class Open311NewRequest(Open311Body):
    """``POST requests.json``, form-encoded. Every member is text on the wire."""

    model_config = ConfigDict(json_schema_extra=_form_schema)

    api_key: str | FormAbsent = Field(None, description="Issued by `flask open311 keys create`.")
    jurisdiction_id: str | FormAbsent = Field(None, description="Ignored: one jurisdiction.")
    service_code: str | FormAbsent = None
    lat: FormNumber | FormAbsent = None
    long: FormNumber | FormAbsent = None
    address_string: str | FormAbsent = None
    address_id: str | FormAbsent = Field(None, description="Not supported; use address_string.")
    email: str | FormAbsent = None
    device_id: str | FormAbsent = None
    account_id: str | FormAbsent = None
    first_name: str | FormAbsent = None
    last_name: str | FormAbsent = None
    phone: str | FormAbsent = None
    description: str | FormAbsent = Field(None, description="10 to 5000 characters.")
    media_url: str | FormAbsent = Field(
        None, description="An http(s) link; never fetched, kept as a note for staff."
    )

    @classmethod
    def read(cls, form: MultiDict[str, str]) -> Open311NewRequest:
        """The form's first value of each member (as ``request.form.get`` gives it)."""
        return cls.model_validate({name: form[name] for name in cls.model_fields if name in form})


def plain(body: BaseModel) -> dict[str, Any]:
    """A body as JSON-ready values, members in GeoReport's order."""
    return body.model_dump(mode="json")


BODIES: tuple[type[BaseModel], ...] = (
    Open311Errors,
    Open311Discovery,
    Open311Service,
    Open311ServiceDefinition,
    Open311ServiceRequest,
    Open311Created,
)
