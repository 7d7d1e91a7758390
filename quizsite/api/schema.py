"""The OpenAPI document's view, and the description of our own authentication, so the schema documents
API client keys."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.renderers import OpenApiJsonRenderer2, OpenApiYamlRenderer
from drf_spectacular.utils import OpenApiResponse, OpenApiWebhook, extend_schema
from drf_spectacular.views import SpectacularAPIView

from quizsite.api.serializers import AttemptEventSerializer, SubmissionEventSerializer
from quizsite.webhooks.models import Event


class SchemaView(SpectacularAPIView):
    """The schema as YAML, or as JSON for ``Accept: application/json`` or ``?format=json`` (the project
    turns DRF's ``?format=`` override off, since grades use ``format`` for CSV, so it is read here)."""

    def perform_content_negotiation(self, request, force=False):
        chosen = {"json": OpenApiJsonRenderer2, "yaml": OpenApiYamlRenderer}.get(request.query_params.get("format", ""))
        if chosen is not None:
            return chosen(), chosen.media_type
        return super().perform_content_negotiation(request, force)


class ApiClientKeyScheme(OpenApiAuthenticationExtension):
    target_class = "quizsite.api.authentication.ApiClientAuthentication"
    name = "apiClientKey"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An API client's key (`gg_…`), created by an instructor in the admin. Add `X-Learner-Id: <your id "
                "for the learner>` to act for one of your learners (created on first use)."
            ),
        }


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string", "format": "uri", "description": "Identifies the kind of problem."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "errors": {
            "type": "array",
            "description": "One entry per invalid field (400 only).",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string", "description": "JSON pointer into the request body."},
                    "detail": {"type": "string"},
                    "code": {"type": "string"},
                },
                "required": ["pointer", "detail", "code"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying."}}
# Errors any operation can answer with; body-taking and path-parameter operations add their own below.
_COMMON_ERRORS = {
    "401": "Missing or invalid credentials.",
    "403": "Authenticated, but not allowed (role or API client scope).",
    "429": "Rate limit reached; see Retry-After.",
    "500": "Our fault; the detail carries an error id that is also in our logs.",
}
_BODY_ERRORS = {
    "400": "Invalid input; `errors` points at each invalid field.",
    "413": "Request body over the size limit.",
    "415": "Send `Content-Type: application/json`.",
}


_RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": {"schema": {"type": "integer"}, "description": "Requests allowed in the current window."},
    "RateLimit-Remaining": {"schema": {"type": "integer"}, "description": "Requests left in the current window."},
    "RateLimit-Reset": {"schema": {"type": "integer"}, "description": "Seconds until the window resets."},
}
_LEARNER_HEADER = {
    "name": "X-Learner-Id",
    "in": "header",
    "required": False,
    "description": "API client keys only: your id for the learner this request acts for (created on first use). "
    "Writes by an API client need it; reads without it cover all of the client's learners.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def _nullable_to_3_1(node):
    """OpenAPI 3.0's ``nullable: true`` as 3.1 says it (a JSON Schema type that admits null): DRF's pagination
    schemas and some of drf-spectacular's output still use the 3.0 keyword, which 3.1 validators ignore."""
    if isinstance(node, list):
        return [_nullable_to_3_1(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable_to_3_1(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
            if "enum" in node and None not in node["enum"]:
                node["enum"] = [*node["enum"], None]
        elif "type" not in node:
            node = {"oneOf": [node, {"type": "null"}]}
    return node


def add_problem_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: every operation documents its error responses as problem+json."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            errors = dict(_COMMON_ERRORS)
            if "requestBody" in operation or method in ("post", "put", "patch"):
                errors.update(_BODY_ERRORS)
            if "{" in path or operation.get("parameters"):
                errors.setdefault("400", "Invalid parameters; `errors` points at each one.")
                errors["404"] = "No such resource, or not one you may see."
            for status, description in errors.items():
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    response["content"] = {"application/problem+json": {"schema": _PROBLEM_REF}}
                    if status in ("429", "503"):
                        response["headers"] = {**response.get("headers", {}), **_RETRY_AFTER}
                if status not in ("401", "403"):
                    # Rate limits apply once the caller is known: every response but these two carries them.
                    response["headers"] = {**response.get("headers", {}), **_RATE_LIMIT_HEADERS}
            if path.startswith("/api/v1/"):
                operation["parameters"] = [*operation.get("parameters", []), _LEARNER_HEADER]
    return _nullable_to_3_1(result)


_DELIVERY_TERMS = (
    "POSTed as JSON to each active endpoint subscribed to the event, signed as Standard Webhooks define "
    "(`webhook-id`, `webhook-timestamp` and `webhook-signature` headers; see docs/api.md). Any 2xx within 10 s "
    "acknowledges it; anything else is retried with backoff, and every attempt is in the delivery log."
)


def _event(name: str, serializer, summary: str) -> OpenApiWebhook:
    # ``name`` is the plain string: the YAML renderer cannot write a str subclass such as a TextChoices member.
    return OpenApiWebhook(
        name=name,
        decorator=extend_schema(
            summary=summary,
            description=_DELIVERY_TERMS,
            request={"application/json": serializer},
            responses={200: OpenApiResponse(description="Received (any 2xx)")},
        ),
    )


# Listed in SPECTACULAR_SETTINGS["WEBHOOKS"]: the schema's ``webhooks`` section (OpenAPI 3.1).
SUBMISSION_GRADED = _event(
    Event.SUBMISSION_GRADED.value,
    SubmissionEventSerializer,
    "A graded submission of one of your learners has its result",
)
SUBMISSION_FAILED = _event(
    Event.SUBMISSION_FAILED.value, SubmissionEventSerializer, "A submission of one of your learners could not be graded"
)
ATTEMPT_SUBMITTED = _event(
    Event.ATTEMPT_SUBMITTED.value, AttemptEventSerializer, "One of your learners submitted a quiz attempt; it is graded"
)
