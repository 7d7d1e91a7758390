"""The OpenAPI document's view, and the description of our own authentication, so the schema documents
API client keys."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.renderers import OpenApiJsonRenderer2, OpenApiYamlRenderer
from drf_spectacular.views import SpectacularAPIView


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
                        response["headers"] = _RETRY_AFTER
    return result
