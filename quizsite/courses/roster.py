"""Enrolments as rows of a file, through django-import-export: a course's people exported, a roster imported.

An imported row names an existing account by ``username`` or ``email`` and may give a ``role`` (``learner``
when blank; ``instructor`` or ``ta``). Any other column (names, student numbers) is ignored, and no account is
ever created or changed. Unknown people are rejected rather than created: there is no password reset or
invitation mail, so an account made here could not be used by anyone, and it would take the username its
owner needs to sign up with. Learners sign up, or arrive through their LMS, and are imported afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from import_export import resources
from import_export.fields import Field

from quizsite.courses import selectors, services
from quizsite.courses.models import Course, Enrolment
from quizsite.spreadsheets import defuse

Role = Enrolment.Role
# What a role cell may say, once lower-cased: the stored value or the label.
ROLE_WORDS = {**{role.value: role.value for role in Role}, **{role.label.lower(): role.value for role in Role}}


@dataclass(frozen=True)
class _Line:
    """What the row being imported resolved to, once every check passed."""

    account: object
    role: str
    enrolment: Enrolment | None  # the account's enrolment in the course, if it has one


class EnrolmentResource(resources.ModelResource):
    """Export: every enrolment shown (course, username, email, name, role). Import: one course's roster,
    the course given by the importer (``course=``), never by the file."""

    course = Field(attribute="course", column_name="course", readonly=True)
    username = Field(attribute="user__username", column_name="username")
    email = Field(attribute="user__email", column_name="email")
    name = Field(attribute="user__get_full_name", column_name="name", readonly=True)
    role = Field(attribute="role", column_name="role")

    class Meta:
        model = Enrolment
        fields = ("course", "username", "email", "name", "role")
        # Rows are matched to accounts by get_or_init_instance, not by an id column.
        import_id_fields = ()
        # The preview is a real write rolled back, so it runs exactly the checks the confirmed import runs.
        use_transactions = True

    def __init__(self, *, course: Course | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.course = course
        self._first_row_of: dict[int, int] = {}  # account id -> the row that first named it
        self._line: _Line | None = None

    def get_import_fields(self) -> list[Field]:
        # The import preview (import-export's Diff) shows these columns of each matched account: the username
        # and the role only, as an account's email and name are not an instructor's to read before that person
        # is in their course. Only the role is ever written (import_instance).
        return [field for field in super().get_import_fields() if field.column_name in ("username", "role")]

    def get_user_visible_fields(self) -> list[Field]:
        return self.get_import_fields()

    def before_import(self, dataset, **kwargs) -> None:
        if self.course is None:
            raise ValueError("Choose the course to import into.")
        # Spreadsheets write "Email" or " Role"; match columns whatever their case and padding.
        dataset.headers = [str(header or "").strip().lower() for header in dataset.headers or []]
        if not {"username", "email"} & set(dataset.headers):
            found = ", ".join(dataset.headers) or "none"
            raise ValueError(f"The file needs a username or an email column (its columns: {found}).")

    def before_import_row(self, row, row_number: int | None = None, **kwargs) -> None:
        """Check the row against the course and the rows before it, reporting every problem at once.

        import-export calls get_or_init_instance and import_instance next, for this same row, and they use
        what is found here.
        """
        username, email = _cell(row, "username"), _cell(row, "email")
        role_cell = _cell(row, "role")
        role = ROLE_WORDS.get(role_cell.lower() or Role.LEARNER)
        errors = {} if role else {"role": f"{role_cell!r} is not a role: use learner, instructor or ta."}
        account, problem = _account(username, email)
        errors.update(problem)
        enrolment = None
        if account is not None:
            first = self._first_row_of.setdefault(account.pk, row_number)
            if first != row_number:
                errors["username"] = f"{account} is already named in row {first}."
            enrolment = Enrolment.objects.filter(course=self.course, user=account).first()
            if enrolment is not None and role and enrolment.role != role:
                errors["role"] = (
                    f"{account} is already enrolled as {enrolment.get_role_display()}; "
                    "roles are changed on the course page, not by import."
                )
        if errors:
            raise ValidationError(errors)
        self._line = _Line(account, role, enrolment)

    def get_or_init_instance(self, instance_loader, row) -> tuple[Enrolment, bool]:
        if self._line.enrolment is not None:
            return self._line.enrolment, False
        return Enrolment(course=self.course, user=self._line.account), True

    def import_instance(self, instance: Enrolment, row, **kwargs) -> None:
        # Only the role comes from the file: the account's own fields are never written by an import.
        instance.role = self._line.role

    def skip_row(self, instance: Enrolment, original, row, import_validation_errors=None) -> bool:
        # An enrolment already there (with this role: another one is rejected) is left alone and shown as
        # skipped. Not skip_unchanged: a new enrolment as a learner equals its unsaved original, and would be
        # skipped too.
        return instance.pk is not None

    def save_instance(self, instance: Enrolment, is_create: bool, row, **kwargs) -> None:
        """Enrol through the service, which checks the role and the one-enrolment rule again."""
        try:
            enrolment = services.enrolment_add(course=self.course, user=instance.user, role=instance.role)
        except ValueError as error:
            raise ValidationError({"role": str(error)}) from error
        instance.pk, instance.created_at = enrolment.pk, enrolment.created_at

    def after_import(self, dataset, result, **kwargs) -> None:
        # ModelResource resets the id sequence here, for files that carry ids. Ours never do, and a reset
        # racing another insert can set the sequence back to an id that insert is about to commit.
        pass

    def export_resource(self, instance: Enrolment, selected_fields=None, **kwargs) -> list:
        return [defuse(value) for value in super().export_resource(instance, selected_fields, **kwargs)]


def _cell(row, column: str) -> str:
    value = str(row.get(column) or "").strip()
    # Undo the quote an export puts before text a spreadsheet would run ("-bob" exports as "'-bob").
    return value[1:] if value.startswith("'") and defuse(value[1:]) == value else value


def _account(username: str, email: str) -> tuple[object | None, dict[str, str]]:
    """The existing account a row names, or no account and the column and reason."""
    if not username and not email:
        return None, {"username": "Give a username or an email."}
    if email:
        try:
            validate_email(email)
        except ValidationError:
            return None, {"email": f"{email!r} is not an email address."}
    matches = selectors.accounts_named(username=username, email=email)
    if username:
        if not matches:
            return None, {"username": f"No account is called {username!r}: the learner signs up first."}
        account = matches[0]
        if email and account.email and account.email.lower() != email.lower():
            return None, {"email": f"{account} has another email address: check that this row is the right person."}
        return account, {}
    if not matches:
        return None, {"email": "No account has this email: the learner signs up first."}
    if len(matches) > 1:
        return None, {"email": "Several accounts have this email: give the username."}
    return matches[0], {}
