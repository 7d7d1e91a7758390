"""Regrades in the admin: start a preview, watch it grade, compare old and new results, apply or cancel.

Staff who teach see and act on regrades of their own learners' submissions only; superusers on all. The
pages parse input and call the regrade services; what may be regraded is decided there and in the selectors.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_POST

from quizsite.catalog.models import Exercise
from quizsite.courses.selectors import learners_taught_by, teaches_any_course
from quizsite.learning.models import Regrade, Submission
from quizsite.learning.regrades import selectors, services


def _may_regrade(user) -> bool:
    return user.is_active and user.is_staff and (user.is_superuser or teaches_any_course(user))


class RegradeForm(forms.Form):
    exercise = forms.ModelChoiceField(queryset=Exercise.objects.order_by("slug"))
    reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text="Learners whose result is replaced see this, e.g. “The statistics check rejected correct masks.”",
    )
    learners = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        help_text="Only these learners' final submissions. None selected: every learner you may regrade.",
    )
    submissions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text="Only these submissions: their ids, separated by commas or spaces.",
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        graded = learners_taught_by(user).filter(submissions__status__in=Submission.FINAL_STATUSES)
        self.fields["learners"].queryset = graded.distinct().order_by("username")

    def submission_ids(self, user) -> list[str] | None:
        """The chosen submissions' ids, or None for every final submission ``user`` may regrade."""
        ids = re.split(r"[\s,]+", self.cleaned_data["submissions"].strip())
        learners = self.cleaned_data["learners"]
        if learners:
            regradable = selectors.submissions_regradable_by(user)
            chosen = regradable.filter(exercise=self.cleaned_data["exercise"], user__in=learners)
            ids += [str(pk) for pk in chosen.values_list("pk", flat=True)]
        ids = [value for value in ids if value]
        return ids if ids or learners else None


@admin.register(Regrade)
class RegradeAdmin(admin.ModelAdmin):
    list_display = ["exercise", "status", "reason", "requested_by", "created_at", "progress", "applied_count"]
    list_filter = ["status"]
    search_fields = ["exercise__slug", "reason"]

    def get_queryset(self, request):
        return selectors.regrades_visible_to(request.user)

    def has_module_permission(self, request) -> bool:
        return _may_regrade(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        if obj is None:
            return _may_regrade(request.user)
        return _may_regrade(request.user) and self.get_queryset(request).filter(pk=obj.pk).exists()

    # Applying, cancelling and retrying are the changes a regrade has; its fields are never edited.
    has_change_permission = has_view_permission

    def has_add_permission(self, request) -> bool:
        return _may_regrade(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Graded")
    def progress(self, regrade: Regrade) -> str:
        return f"{regrade.graded_count} of {regrade.item_count}"

    def get_urls(self):
        def action(view):
            return self.admin_site.admin_view(require_POST(view))

        return [
            path("<uuid:regrade_id>/apply/", action(self.apply_view), name="learning_regrade_apply"),
            path("<uuid:regrade_id>/cancel/", action(self.cancel_view), name="learning_regrade_cancel"),
            path("<uuid:regrade_id>/retry/", action(self.retry_view), name="learning_regrade_retry"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None) -> HttpResponse:
        """Start a preview. ``?exercise=<id>&submissions=<id>,<id>`` fills the form in (the submission list
        links here with its selection)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {"exercise": request.GET.get("exercise"), "submissions": request.GET.get("submissions", "")}
        form = RegradeForm(request.POST or None, user=request.user, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                regrade = services.regrade_preview_start(
                    exercise=form.cleaned_data["exercise"],
                    requested_by=request.user,
                    reason=form.cleaned_data["reason"],
                    submission_ids=form.submission_ids(request.user),
                )
            except services.RegradeError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Previewing {regrade.items.count()} submissions on the graders.")
                return redirect("admin:learning_regrade_change", regrade.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Preview a regrade",
            "form": form,
            "outdated": selectors.exercises_with_outdated_grades(request.user),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/learning/regrade/start.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None) -> HttpResponse:
        """The preview: progress, old → new verdict and score per learner, counts, and what can be done now."""
        regrade = self._visible(request, object_id)
        preview = selectors.regrade_preview(regrade)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Regrade of {regrade.exercise.title}",
            "regrade": regrade,
            "preview": preview,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/learning/regrade/preview.html", context)

    def apply_view(self, request, regrade_id) -> HttpResponse:
        def apply(regrade: Regrade) -> str:
            done = services.regrade_apply(regrade_id=regrade.pk, by=request.user)
            return f"Applied: {done.applied_count} results replaced, {done.skipped_count} skipped (changed since)."

        return self._act(request, regrade_id, apply)

    def cancel_view(self, request, regrade_id) -> HttpResponse:
        def cancel(regrade: Regrade) -> str:
            services.regrade_cancel(regrade_id=regrade.pk, by=request.user)
            return "Cancelled: no result was changed."

        return self._act(request, regrade_id, cancel)

    def retry_view(self, request, regrade_id) -> HttpResponse:
        def retry(regrade: Regrade) -> str:
            count = services.regrade_retry_failed(regrade_id=regrade.pk, by=request.user)
            return f"Grading {count} failed submissions again."

        return self._act(request, regrade_id, retry)

    def _visible(self, request, regrade_id) -> Regrade:
        # A regrade of someone else's learners is answered as missing, never shown.
        regrade = self.get_object(request, str(regrade_id))
        if regrade is None or not _may_regrade(request.user):
            raise Http404("No such regrade.")
        return regrade

    def _act(self, request, regrade_id, action) -> HttpResponse:
        regrade = self._visible(request, regrade_id)
        try:
            messages.success(request, action(regrade))
        except services.RegradeForbidden as exc:
            raise PermissionDenied(str(exc)) from exc
        except services.RegradeError as exc:
            messages.error(request, str(exc))
        return redirect("admin:learning_regrade_change", regrade.pk)
