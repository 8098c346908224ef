"""The upload and removal forms every owner of documents shows."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField
from wtforms.validators import Length

from assist.attachments.labels import kind_choices


class AttachmentForm(FlaskForm):
    """Upload one document; subclasses name the kinds their owner takes in `kinds`."""

    kinds: frozenset | tuple = ()

    kind = SelectField(_l("Kind of document"), choices=[], validate_choice=False)
    file = FileField(_l("File (PDF, JPEG or PNG)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices(self.kinds)


class RemoveAttachmentForm(FlaskForm):
    reason = StringField(_l("Why is it removed?"), validators=[Length(max=500)])
