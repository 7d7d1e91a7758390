"""Every response the API tests receive is checked against the published OpenAPI document: status code,
content type, headers and body, by openapi-core (an implementation nobody here wrote)."""

import json

import pytest
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.exceptions import OpenAPIError
from rest_framework.test import APIClient


@pytest.fixture(scope="session")
def openapi_document(django_db_setup) -> dict:
    """The schema as /api/schema/ serves it (generated once per run; it depends on code, not data)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer2

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer2().render(schema))


def _text(body: bytes | str, charset: str = "utf-8") -> str:
    return body if isinstance(body, str) else body.decode(charset)


@pytest.fixture(scope="session")
def _openapi(openapi_document) -> OpenAPI:
    # RFC 9457's media type is JSON, and CSV is text; openapi-core reads neither by itself.
    deserializers = {"application/problem+json": json.loads, "text/csv": _text}
    config = Config(extra_media_type_deserializers=deserializers)
    return OpenAPI.from_dict(openapi_document, config=config)


def conformance_errors(openapi: OpenAPI, response) -> list[str]:
    """Why ``response`` (to a request under /api/v1/ the schema has an operation for) disagrees with the schema."""
    request = response.wsgi_request
    if not request.path.startswith("/api/v1/") or request.resolver_match.url_name == "api-not-found":
        return []
    if request.method == "HEAD":
        return []  # GET without a body: the schema describes it as the GET
    try:
        # Validation alone: unmarshalling the body into Python objects as well costs ten times as much.
        openapi.validate_response(DjangoOpenAPIRequest(request), DjangoOpenAPIResponse(response))
    except OpenAPIError as error:
        if response.status_code == 405 and type(error).__name__ == "OperationNotFound":
            return []  # the schema lists the methods a path has; one it does not list is rightly refused
        return [f"{type(error).__name__}: {error}" + "".join(f"\n  {cause}" for cause in _causes(error))]
    return []


def _causes(error) -> list[str]:
    cause = error.__cause__
    details = getattr(cause, "schema_errors", None) or ([cause] if cause else [])
    return [getattr(detail, "message", str(detail)) for detail in details]


@pytest.fixture(autouse=True)
def _responses_conform_to_the_schema(monkeypatch, _openapi):
    """Fails a test at the first response of the API that its schema does not describe."""
    original = APIClient.request

    def checked(self, **kwargs):
        response = original(self, **kwargs)
        errors = conformance_errors(_openapi, response)
        assert not errors, f"{response.wsgi_request.method} {response.wsgi_request.get_full_path()} -> " + (
            f"{response.status_code}: " + "\n".join(errors)
        )
        return response

    monkeypatch.setattr(APIClient, "request", checked)
