"""Form helpers shared by pages and the admin."""

from django import forms

from coordination.core.errors import ApplicationError


def add_application_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """Show a service's ApplicationError on the form: on its field if the form has it."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def application_error_to_validation_error(error: ApplicationError) -> forms.ValidationError:
    if error.field:
        return forms.ValidationError({error.field: error.message}, code=error.code)
    return forms.ValidationError(error.message, code=error.code)
