"""OpenAPI description of our own authentication, so the schema documents API client keys."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


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
