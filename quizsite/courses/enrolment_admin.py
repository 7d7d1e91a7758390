"""Enrolments in the admin: the list (with export) and the import of a roster from a CSV file.

The import is django-import-export's two steps. The upload is run row by row in a transaction that is rolled
back, and the preview shows what each row would do or what is wrong with it; only a preview without problems
can be confirmed, and confirming runs the same checks again before anything is kept. Only an instructor of
the course chosen in the form (or a superuser) may import; people are matched as ``quizsite.courses.roster``
says.
"""

from __future__ import annotations

import os

from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.http import HttpResponseRedirect
from django.urls import reverse
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.tmp_storages import TempFolderStorage

from quizsite.courses import selectors, services
from quizsite.courses.admin import CourseScoped, TaughtCourseFilter
from quizsite.courses.models import Course, Enrolment
from quizsite.courses.roster import EnrolmentResource

# A preview can be confirmed for this long; the rows are checked again on confirmation anyway.
PREVIEW_MAX_AGE = 3600


def _upload_salt(user) -> str:
    return f"quizsite.courses.enrolment-import:{user.pk}"


class EnrolmentImportForm(ImportForm):
    course = forms.ModelChoiceField(queryset=Course.objects.none(), help_text="A course you are an instructor of.")
    field_order = ["course", "resource", "import_file", "format"]

    def __init__(self, formats, resources, *, courses, **kwargs) -> None:
        super().__init__(formats, resources, **kwargs)
        self.fields["course"].queryset = courses


class EnrolmentConfirmForm(ConfirmImportForm):
    """The preview's hidden fields. The uploaded file's name travels signed for this user with the course it
    was previewed for, so a confirmation imports that preview's file into that course and nothing else."""

    def __init__(self, *, courses, user, **kwargs) -> None:
        super().__init__(**kwargs)
        self.courses, self.user = courses, user

    def clean(self) -> dict:
        data = super().clean()
        try:
            upload = signing.loads(
                data.get("import_file_name", ""), salt=_upload_salt(self.user), max_age=PREVIEW_MAX_AGE
            )
        except signing.BadSignature as error:
            raise forms.ValidationError("This preview has expired or is not yours: upload the file again.") from error
        name = os.path.basename(upload["file"])
        if not os.path.exists(TempFolderStorage(name=name).get_full_path()):
            raise forms.ValidationError("This preview was imported already: upload the file again to repeat it.")
        course = self.courses.filter(pk=upload["course"]).first()
        if course is None:
            raise forms.ValidationError("You are no longer an instructor of that course.")
        return {**data, "import_file_name": name, "course": course}


@admin.register(Enrolment)
class EnrolmentAdmin(CourseScoped, ImportExportMixin, admin.ModelAdmin):
    list_display = ["user", "course", "role", "created_at"]
    list_filter = [TaughtCourseFilter, "role"]
    list_select_related = ["user", "course"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name", "course__code"]
    fields = ["course", "user", "role", "created_at"]
    readonly_fields = ["course", "user", "created_at"]

    resource_classes = [EnrolmentResource]
    formats = [CSV]
    # With a byte order mark, spreadsheet programs read the export's accented names as UTF-8.
    to_encoding = "utf-8-sig"
    import_form_class = EnrolmentImportForm
    confirm_form_class = EnrolmentConfirmForm
    # Named, not left to a setting: the confirm form checks that the previewed file is still there.
    tmp_storage_class = TempFolderStorage

    def has_add_permission(self, request, obj=None) -> bool:
        # People join a course on the course page or by import; here an enrolment's role can be changed.
        return False

    def save_model(self, request, obj: Enrolment, form, change: bool) -> None:
        services.enrolment_set(course=obj.course, user=obj.user, role=obj.role)

    def has_import_permission(self, request) -> bool:
        return request.user.is_active and selectors.courses_instructed_by(request.user).exists()

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def get_import_form_kwargs(self, request) -> dict:
        return {**super().get_import_form_kwargs(request), "courses": selectors.courses_instructed_by(request.user)}

    def get_import_form_initial(self, request) -> dict:
        # The course page links here with ?course=<id>.
        return {"course": request.GET.get("course")}

    def get_confirm_form_kwargs(self, request, import_form=None) -> dict:
        courses = selectors.courses_instructed_by(request.user)
        return {**super().get_confirm_form_kwargs(request, import_form), "courses": courses, "user": request.user}

    def get_confirm_form_initial(self, request, import_form) -> dict:
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            upload = {"file": initial["import_file_name"], "course": str(import_form.cleaned_data["course"].pk)}
            initial["import_file_name"] = signing.dumps(upload, salt=_upload_salt(request.user))
        return initial

    def get_import_resource_kwargs(self, request, **kwargs) -> dict:
        form = kwargs.get("form")
        return {"course": getattr(form, "cleaned_data", {}).get("course")}

    def get_import_data_kwargs(self, **kwargs) -> dict:
        # On confirmation a row that no longer passes (someone changed the course since the preview) undoes
        # the whole import, not just that row.
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        upload = getattr(context.get("form"), "cleaned_data", {}).get("import_file")
        if "confirm_form" not in context and getattr(upload, "tmp_storage_name", None):
            # A preview with problems cannot be confirmed, so its copy of the file (names, emails) is not kept.
            self.get_tmp_storage_class()(name=upload.tmp_storage_name).remove()
        return response

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            messages.error(request, "Nothing was imported: the course changed since the preview. Upload again.")
            return HttpResponseRedirect(reverse("admin:courses_enrolment_import"))
        return super().process_result(result, request)
