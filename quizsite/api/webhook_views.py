"""API v1 views for an API client's webhook endpoints and their delivery log (scope ``admin:webhooks``)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from quizsite.api import examples, headers
from quizsite.api import permissions as scopes
from quizsite.api.authentication import client_of
from quizsite.api.errors import Conflict, Unprocessable
from quizsite.api.pagination import NewestFirstCursorPagination
from quizsite.api.serializers import (
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointInputSerializer,
    WebhookEndpointSerializer,
)
from quizsite.learning.idempotency import IdempotencyConflict
from quizsite.webhooks import services
from quizsite.webhooks.models import WebhookDelivery, WebhookEndpoint

_ALL_METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")


class _WebhookView(APIView):
    permission_classes = [IsAuthenticated, scopes.ClientScopes, scopes.ClientOnly]
    client_scopes = dict.fromkeys(_ALL_METHODS, scopes.WEBHOOKS)

    def endpoint(self, pk) -> WebhookEndpoint:
        return get_object_or_404(WebhookEndpoint.objects.filter(client=client_of(self.request)), pk=pk)


def _invalid(exc: services.InvalidEndpoint) -> ValidationError:
    return ValidationError({exc.field: [str(exc)]})


class WebhookListView(_WebhookView):
    @extend_schema(
        responses={200: WebhookEndpointSerializer(many=True)},
        examples=[examples.WEBHOOK_LIST],
        summary="List webhook endpoints",
    )
    def get(self, request) -> Response:
        endpoints = WebhookEndpoint.objects.filter(client=client_of(request))
        return Response(WebhookEndpointSerializer(endpoints, many=True).data)

    @extend_schema(
        request=WebhookEndpointInputSerializer,
        parameters=[headers.LOCATION, headers.IDEMPOTENCY_KEY, headers.REPLAYED],
        responses={
            201: WebhookEndpointCreatedSerializer,
            422: OpenApiResponse(description="Idempotency-Key reused with a different body"),
        },
        examples=[examples.WEBHOOK_CREATE, examples.WEBHOOK_CREATED],
        summary="Register a webhook endpoint",
    )
    def post(self, request) -> Response:
        serializer = WebhookEndpointInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = headers.idempotency_key(request)
        replayed = False
        try:
            if key:
                endpoint, replayed = services.endpoint_create_idempotent(
                    client=client_of(request), key=key, **serializer.validated_data
                )
            else:
                endpoint = services.endpoint_create(client=client_of(request), **serializer.validated_data)
        except services.InvalidEndpoint as exc:
            raise _invalid(exc) from exc
        except IdempotencyConflict as exc:
            raise Unprocessable(str(exc)) from exc
        location = request.build_absolute_uri(f"/api/v1/webhooks/{endpoint.pk}/")
        return Response(
            WebhookEndpointCreatedSerializer(endpoint).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location, **headers.replayed_headers(replayed)},
        )


class WebhookDetailView(_WebhookView):
    @extend_schema(
        responses={200: WebhookEndpointSerializer}, examples=[examples.WEBHOOK], summary="A webhook endpoint"
    )
    def get(self, request, pk) -> Response:
        return Response(WebhookEndpointSerializer(self.endpoint(pk)).data)

    @extend_schema(
        request=WebhookEndpointInputSerializer(partial=True),
        responses={200: WebhookEndpointSerializer},
        examples=[examples.WEBHOOK_PAUSE, examples.WEBHOOK],
        summary="Change a webhook endpoint",
    )
    def patch(self, request, pk) -> Response:
        endpoint = self.endpoint(pk)
        serializer = WebhookEndpointInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            endpoint = services.endpoint_update(endpoint=endpoint, **serializer.validated_data)
        except services.InvalidEndpoint as exc:
            raise _invalid(exc) from exc
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(responses={204: None}, summary="Delete a webhook endpoint (and its delivery log)")
    def delete(self, request, pk) -> Response:
        self.endpoint(pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(get=extend_schema(summary="Delivery log of an endpoint", examples=[examples.DELIVERY_PAGE]))
class WebhookDeliveryListView(_WebhookView, generics.ListAPIView):
    """The endpoint's delivery log, newest first: every message with each attempt's outcome."""

    serializer_class = WebhookDeliverySerializer
    pagination_class = NewestFirstCursorPagination

    def get_queryset(self):
        return self.endpoint(self.kwargs["pk"]).deliveries.prefetch_related("log")


class WebhookRedeliverView(_WebhookView):
    @extend_schema(
        request=None,
        responses={202: WebhookDeliverySerializer, 409: OpenApiResponse(description="Being sent right now")},
        examples=[examples.DELIVERY_REQUEUED],
        summary="Send a delivery again",
    )
    def post(self, request, pk, delivery_id) -> Response:
        delivery = get_object_or_404(WebhookDelivery.objects.filter(endpoint=self.endpoint(pk)), pk=delivery_id)
        try:
            delivery = services.delivery_redeliver(delivery=delivery)
        except services.DeliveryBusy as exc:
            raise Conflict(str(exc), code="busy") from exc
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class WebhookRotateSecretView(_WebhookView):
    @extend_schema(
        request=None,
        responses={200: WebhookEndpointCreatedSerializer},
        examples=[examples.WEBHOOK_ROTATED],
        summary="Rotate the signing secret (the old one keeps signing for 24 h)",
    )
    def post(self, request, pk) -> Response:
        endpoint = services.endpoint_rotate_secret(endpoint=self.endpoint(pk))
        return Response(WebhookEndpointCreatedSerializer(endpoint).data)
