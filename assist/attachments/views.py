"""The one route that serves stored documents, after checking scope and role."""

from flask import Blueprint, request, send_file
from flask_login import current_user, login_required

from assist.attachments import services
from assist.core.forms import audited

bp = Blueprint("attachments", __name__, url_prefix="/attachments")


@bp.route("/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    def audit():
        attachment, owner = services.load_for(attachment_id, current_user)
        services.record_download(attachment, owner, acting_user=current_user)
        return attachment

    return audited(audit, _send)


def _send(attachment):
    # ?inline=1 opens an image in the browser's tab (the decider's "open in place"); a PDF
    # still downloads: the sandbox below would keep the browser's PDF viewer from running.
    inline = request.args.get("inline") == "1" and attachment.is_image
    response = send_file(
        services.path_for(attachment),
        mimetype=attachment.content_type,
        as_attachment=not inline,
        download_name=attachment.original_name,
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
