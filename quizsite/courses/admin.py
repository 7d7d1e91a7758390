"""Courses in the admin: each instructor and teaching assistant sees only the courses they teach.

Instructors change their courses (enrolments, assignments, extensions, overrides); teaching assistants see
them and grant extensions and overrides; superusers see everything. Marks are never typed into a row: the
gradebook derives them, and an override is a separate, dated row with its author and reason.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from quizsite.courses import exports, selectors, services
from quizsite.courses.models import Assignment, Course, Enrolment, Extension, ScoreOverride
from quizsite.courses.similarity_view import similarity_urls
from quizsite.courses.statistics_view import statistics_page

Role = Enrolment.Role


def _role(request, course: Course | None) -> str | None:
    return selectors.course_role(request.user, course) if course is not None else None


class CourseScoped:
    """Permissions for rows that belong to a course (through ``course_path``), decided by enrolment."""

    course_path = "course"
    # Roles that may add, change and delete rows of this kind; every staff role may view them.
    writers: tuple[str, ...] = (Role.INSTRUCTOR,)

    def _course_of(self, obj) -> Course:
        for part in self.course_path.split("__"):
            obj = getattr(obj, part)
        return obj

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.course_path}__in": selectors.courses_for_staff(request.user)})

    def has_module_permission(self, request) -> bool:
        return selectors.teaches_any_course(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        if obj is None:
            return selectors.teaches_any_course(request.user)
        return _role(request, self._course_of(obj)) in Enrolment.STAFF_ROLES

    def has_add_permission(self, request, obj=None) -> bool:
        return selectors.teaches_any_course(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is None:
            return selectors.teaches_any_course(request.user)
        return _role(request, self._course_of(obj)) in self.writers

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A row can only be attached to a course where its author may write this kind of row.
        if db_field.name == "course" and not request.user.is_superuser:
            kwargs["queryset"] = selectors.courses_for_staff(request.user, roles=self.writers)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def check_writer(self, request, obj) -> None:
        """Refuse a row for a course where the user may not write it (the form's choices are not a guarantee)."""
        if _role(request, self._course_of(obj)) not in self.writers:
            raise PermissionDenied

    def save_model(self, request, obj, form, change) -> None:
        self.check_writer(request, obj)
        super().save_model(request, obj, form, change)


class CourseInline:
    """Rows edited on their course's page (``obj`` is the course). Whoever may create a course fills them in on
    the add form (they become its instructor on save); afterwards its instructors change them and its teaching
    assistants see them. Model permissions do not apply: enrolment decides, as for the course itself."""

    def has_view_permission(self, request, obj=None) -> bool:
        return obj is None or _role(request, obj) in Enrolment.STAFF_ROLES

    def has_add_permission(self, request, obj) -> bool:
        if obj is None:
            return request.user.has_perm("courses.add_course")
        return _role(request, obj) == Role.INSTRUCTOR

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.has_add_permission(request, obj)


class TaughtCourseFilter(admin.SimpleListFilter):
    """Rows of one course, among the courses the viewer teaches (Django's related filter would list them all)."""

    title = "course"
    parameter_name = "course"
    # The path from the row to its course; subclasses name theirs.
    course_path = "course"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        return [(str(course.pk), str(course)) for course in selectors.courses_for_staff(request.user)]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(
            **{f"{self.course_path}__in": selectors.courses_for_staff(request.user).filter(pk=self.value())}
        )


class AssignmentCourseFilter(TaughtCourseFilter):
    course_path = "assignment__course"


class EnrolmentForm(forms.ModelForm):
    # Typed, not chosen from a list: a list would show every account on the site to every instructor.
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.all(),
        to_field_name="username",
        widget=forms.TextInput(attrs={"placeholder": "username"}),
        error_messages={"invalid_choice": "No account has this username."},
    )

    class Meta:
        model = Enrolment
        fields = ["user", "role"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["user"] = self.instance.user.username


class EnrolmentInline(CourseInline, admin.TabularInline):
    model = Enrolment
    form = EnrolmentForm
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


class AssignmentInline(CourseInline, admin.StackedInline):
    model = Assignment
    extra = 0
    show_change_link = True
    fields = [
        ("exercise", "quiz", "title", "points", "position"),
        ("opens_at", "due_at", "cutoff_at"),
        ("late_penalty_percent_per_day", "max_attempts", "policy", "hidden_details_after_due"),
    ]


@admin.register(Course)
class CourseAdmin(CourseScoped, admin.ModelAdmin):
    course_path = "pk"
    list_display = ["code", "term", "title", "learner_count", "assignment_count", "links"]
    search_fields = ["code", "title", "term"]
    inlines = [EnrolmentInline, AssignmentInline]

    def _course_of(self, obj) -> Course:
        return obj

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        return (
            queryset if request.user.is_superuser else queryset.filter(pk__in=selectors.courses_for_staff(request.user))
        )

    def has_module_permission(self, request) -> bool:
        return self.has_add_permission(request) or selectors.teaches_any_course(request.user)

    def has_add_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("courses.add_course")

    def save_model(self, request, obj, form, change) -> None:
        if change:
            self.check_writer(request, obj)
        admin.ModelAdmin.save_model(self, request, obj, form, change)
        if not change:
            # Whoever creates a course teaches it, or they could not see what they just made.
            services.enrolment_set(course=obj, user=request.user, role=Role.INSTRUCTOR)

    @admin.display(description="Learners")
    def learner_count(self, course: Course) -> int:
        return course.enrolments.filter(role=Role.LEARNER).count()

    @admin.display(description="Assignments")
    def assignment_count(self, course: Course) -> int:
        return course.assignments.count()

    @admin.display(description="")
    def links(self, course: Course) -> str:
        return format_html(
            '<a href="{}">Gradebook</a> · <a href="{}">Statistics</a>',
            reverse("admin:courses_course_gradebook", args=[course.pk]),
            reverse("admin:courses_course_statistics", args=[course.pk]),
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<uuid:course_id>/gradebook/", view(self.gradebook_view), name="courses_course_gradebook"),
            path("<uuid:course_id>/statistics/", view(statistics_page(self)), name="courses_course_statistics"),
            *super().get_urls(),
        ]

    def _staff_course(self, request, course_id) -> Course:
        course = get_object_or_404(Course, pk=course_id)
        if _role(request, course) not in Enrolment.STAFF_ROLES:
            raise PermissionDenied
        return course

    def gradebook_view(self, request, course_id):
        """Every learner against every assignment, with late, extension and override marks.

        ``?format=csv&layout=plain|canvas|moodle`` downloads it instead.
        """
        course = self._staff_course(request, course_id)
        learners = selectors.course_learners(course)
        query = request.GET.get("q", "").strip()
        if query:
            learners = learners.filter(username__icontains=query)
        book = selectors.gradebook(course, learners=learners)
        show = request.GET.get("show", "")
        if show:
            book.rows = [row for row in book.rows if show in {exports.mark_status(m) for m in row.marks} | _flags(row)]
        if request.GET.get("format") == "csv":
            layout = request.GET.get("layout", "plain")
            if layout not in exports.LAYOUTS:
                messages.error(request, f"Unknown layout {layout!r}.")
            else:
                response = HttpResponse(exports.gradebook_csv(book, layout), content_type="text/csv; charset=utf-8")
                response["Content-Disposition"] = f'attachment; filename="{course.code}-grades-{layout}.csv"'
                return response
        context = {
            **self.admin_site.each_context(request),
            "title": f"Gradebook: {course}",
            "course": course,
            "book": book,
            "rows": [(row, _cells(row, book)) for row in book.rows],
            "query": query,
            "show": show,
            "layouts": exports.LAYOUTS,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/courses/gradebook.html", context)


def _cells(row, book) -> list[tuple]:
    return [(m, a, exports.mark_points(m, a)) for m, a in zip(row.marks, book.assignments, strict=True)]


def _flags(row) -> set[str]:
    return {word for mark in row.marks for word in exports.mark_status(mark).split(", ")}


@admin.register(Assignment)
class AssignmentAdmin(CourseScoped, admin.ModelAdmin):
    list_display = ["display_title", "course", "kind", "points", "opens_at", "due_at", "cutoff_at", "policy", "links"]
    list_filter = [TaughtCourseFilter, "policy"]
    search_fields = ["title", "exercise__title", "quiz__title", "course__code"]

    @admin.display(description="")
    def links(self, assignment: Assignment) -> str:
        if assignment.exercise_id is None:
            return ""
        url = reverse("admin:courses_assignment_similarity", args=[assignment.pk])
        return format_html('<a href="{}">Similarity</a>', url)

    def get_urls(self):
        return [*similarity_urls(self), *super().get_urls()]


class StaffGrantedRow(CourseScoped):
    """Extensions and overrides: any staff member of the course may add them; nobody edits them afterwards
    (an override is history; an extension is replaced by granting a new one)."""

    course_path = "assignment__course"
    writers = Enrolment.STAFF_ROLES

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and selectors.teaches_any_course(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignment" and not request.user.is_superuser:
            kwargs["queryset"] = Assignment.objects.filter(course__in=selectors.courses_for_staff(request.user))
        if db_field.name == "learner" and not request.user.is_superuser:
            kwargs["queryset"] = selectors.learners_taught_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class LearnerGrantForm(forms.ModelForm):
    """An extension or override: only for a learner of the assignment's course."""

    def clean(self):
        data = super().clean()
        assignment, learner = data.get("assignment"), data.get("learner")
        if assignment and learner and selectors.course_role(learner, assignment.course) != Role.LEARNER:
            raise forms.ValidationError(f"{learner} is not a learner of {assignment.course.code}.")
        return data


class ExtensionForm(LearnerGrantForm):
    class Meta:
        model = Extension
        fields = ["assignment", "learner", "due_at", "cutoff_at", "reason"]

    def validate_unique(self) -> None:
        # Granting again replaces the learner's extension (services.extension_grant), so an existing one is no error.
        pass


class ScoreOverrideForm(LearnerGrantForm):
    class Meta:
        model = ScoreOverride
        fields = ["assignment", "learner", "score", "reason"]


@admin.register(Extension)
class ExtensionAdmin(StaffGrantedRow, admin.ModelAdmin):
    form = ExtensionForm
    list_display = ["learner", "assignment", "due_at", "cutoff_at", "reason", "granted_by", "created_at"]
    list_filter = [AssignmentCourseFilter]
    fields = ["assignment", "learner", "due_at", "cutoff_at", "reason"]

    def save_model(self, request, obj, form, change) -> None:
        self.check_writer(request, obj)
        services.extension_grant(
            assignment=obj.assignment,
            learner=obj.learner,
            due_at=obj.due_at,
            cutoff_at=obj.cutoff_at,
            reason=obj.reason,
            granted_by=request.user,
        )


@admin.register(ScoreOverride)
class ScoreOverrideAdmin(StaffGrantedRow, admin.ModelAdmin):
    form = ScoreOverrideForm
    list_display = ["learner", "assignment", "score", "reason", "created_by", "created_at"]
    list_filter = [AssignmentCourseFilter]
    fields = ["assignment", "learner", "score", "reason"]

    def save_model(self, request, obj, form, change) -> None:
        self.check_writer(request, obj)
        services.score_override_add(
            assignment=obj.assignment, learner=obj.learner, score=obj.score, reason=obj.reason, by=request.user
        )


# Registers EnrolmentAdmin, which builds on CourseScoped above (so it is imported last).
from quizsite.courses import enrolment_admin  # noqa: E402, F401
