"""Photos of funded projects on their public page.

A photo needs words for those who cannot see it (alt text). One sent by the recipient organisation
waits for an officer's check before it is public (it may show a child, or a private address); one
an officer adds is shown at once. An officer may remove any photo: its file is deleted, the record
that there was one stays, and each step is in the audit log."""

from sqlmodel import Session

from core import audit, files, i18n
from core.audit import Actor
from core.errors import Conflict, InvalidInput, NotFound
from core.text import storable
from delivery import repository
from delivery.events import DeliveryEvent
from delivery.links import RECIPIENT_ROLE
from delivery.models import PhotoStatus, ProjectPhoto, ProjectPhotoFile

MAX_PHOTO_BYTES = 4 * 1024 * 1024  # under the upload body limit (core/web.py), so the form can say so
MAX_ALT_TEXT = 300


def photo_type(content: bytes) -> str | None:
    """The image type its bytes say, whatever the file is called or the browser claims."""
    return files.media_type(content, files.IMAGES)


def add_photo(session: Session, actor: Actor, grant_id: int, *, content: bytes | None, alt_text: str) -> ProjectPhoto:
    grant = repository.get_grant(session, grant_id)
    words = " ".join(storable(alt_text).split())
    if not words:
        raise InvalidInput(i18n.gettext("Describe the photo in a few words for people who cannot see it."),
                           field="alt_text")
    if len(words) > MAX_ALT_TEXT:
        raise InvalidInput(i18n.gettext("The description of the photo must be at most %(most)s characters.",
                                        most=MAX_ALT_TEXT), field="alt_text")
    if not content:
        raise InvalidInput(i18n.gettext("Choose a photo to send."), field="photo")
    if len(content) > MAX_PHOTO_BYTES:
        raise InvalidInput(i18n.gettext("The photo is too big: at most %(most)s MB. A smaller copy will do.",
                                        most=MAX_PHOTO_BYTES // (1024 * 1024)), field="photo")
    media_type = photo_type(content)
    if media_type is None:
        raise InvalidInput(i18n.gettext("The photo must be a JPEG, PNG or WebP image; this file is not one."),
                           field="photo")
    by_recipient = actor.role == RECIPIENT_ROLE
    photo = ProjectPhoto(grant_id=grant.id, alt_text=words, media_type=media_type, added_by=actor.ref,
                         status=PhotoStatus.waiting if by_recipient else PhotoStatus.shown,
                         reviewed_by=None if by_recipient else actor.ref)
    session.add(photo)
    session.flush()
    session.add(ProjectPhotoFile(photo_id=photo.id, content=content))
    audit.append(session, actor, DeliveryEvent.photo_added, f"grant:{grant.id}", {
        "photo": photo.id, "type": media_type, "status": photo.status})
    return photo


def _photo(session: Session, grant_id: int, photo_id: int) -> ProjectPhoto:
    grant = repository.get_grant(session, grant_id)
    photo = repository.photo_of(session, grant.id, photo_id)
    if photo is None or photo.status == PhotoStatus.removed:
        raise NotFound(f"This project has no photo {photo_id}.")
    return photo


def show_photo(session: Session, actor: Actor, grant_id: int, photo_id: int) -> ProjectPhoto:
    """An officer checked a photo the recipient sent: it goes on the public page."""
    photo = _photo(session, grant_id, photo_id)
    if photo.status == PhotoStatus.shown:
        raise Conflict("This photo is already on the public page.")
    photo.status, photo.reviewed_by = PhotoStatus.shown, actor.ref
    session.add(photo)
    audit.append(session, actor, DeliveryEvent.photo_shown, f"grant:{photo.grant_id}", {"photo": photo.id})
    return photo


def remove_photo(session: Session, actor: Actor, grant_id: int, photo_id: int) -> ProjectPhoto:
    photo = _photo(session, grant_id, photo_id)
    was = photo.status
    photo.status, photo.reviewed_by = PhotoStatus.removed, actor.ref
    session.add(photo)
    file = repository.photo_file(session, photo.id)
    if file is not None:
        session.delete(file)
    audit.append(session, actor, DeliveryEvent.photo_removed, f"grant:{photo.grant_id}", {
        "photo": photo.id, "was": was})
    return photo
