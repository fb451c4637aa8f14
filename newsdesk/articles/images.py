"""Uploaded pictures: checks on the way in, responsive renditions made once and kept."""

import io
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "AVIF"}
RENDITION_WIDTHS = (320, 640, 960, 1280, 1920)
# Modern formats first: a <picture> offers them in this order; JPEG is every browser's fallback.
RENDITION_FORMATS = (("avif", "AVIF", 50), ("webp", "WEBP", 75), ("jpeg", "JPEG", 82))
# AVIF at encoder speed 8 takes a tenth of the default's time (seconds per upload otherwise).
ENCODER_OPTIONS = {"AVIF": {"speed": 8}}


def image_check(upload) -> None:
    """Refuse what is not a picture we can show, with a message that says what to do."""
    max_bytes = settings.NEWSDESK_IMAGE_MAX_BYTES
    if upload.size > max_bytes:
        raise ValidationError(
            gettext(
                "This file is %(size)s MB; the limit is %(limit)s MB. "
                "Export a smaller JPEG or PNG and upload that."
            )
            % {"size": f"{upload.size / 1_048_576:.1f}", "limit": f"{max_bytes / 1_048_576:.0f}"},
            code="too_large",
        )
    upload.seek(0)
    try:
        with PILImage.open(upload) as probe:
            fmt, (width, height) = probe.format, probe.size
            if width * height > settings.NEWSDESK_IMAGE_MAX_PIXELS:
                raise ValidationError(
                    gettext(
                        "This picture is %(width)s × %(height)s pixels; the limit is "
                        "%(limit)s megapixels. Resize it and upload again."
                    )
                    % {
                        "width": width,
                        "height": height,
                        "limit": f"{settings.NEWSDESK_IMAGE_MAX_PIXELS / 1e6:.0f}",
                    },
                    code="too_many_pixels",
                )
            probe.verify()
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        PILImage.DecompressionBombError,
    ):
        raise ValidationError(
            gettext(
                "This file is not a picture we can read (or it is damaged). "
                "Upload a JPEG, PNG, WebP, GIF or AVIF."
            ),
            code="not_an_image",
        ) from None
    finally:
        upload.seek(0)
    if fmt not in ACCEPTED_FORMATS:
        raise ValidationError(
            gettext("%(format)s pictures are not accepted. Upload a JPEG, PNG, WebP, GIF or AVIF.")
            % {"format": fmt},
            code="format",
        )
    if width < 16 or height < 16:
        raise ValidationError(
            gettext("This picture is too small to show; upload one at least 16 pixels wide."),
            code="too_small",
        )


def renditions_generate(image) -> list[dict]:
    """Write every width (up to the original's) in every format, once; returns what was written."""
    if image.renditions:
        return image.renditions  # generated once and kept
    with image.file.open("rb") as handle, PILImage.open(handle) as original:
        original = ImageOps.exif_transpose(original)
        base = original.convert("RGBA" if original.mode in ("RGBA", "LA", "P") else "RGB")
    stem = PurePosixPath(image.file.name).with_suffix("")
    widths = [w for w in RENDITION_WIDTHS if w < base.width] + [
        min(base.width, RENDITION_WIDTHS[-1])
    ]
    made = []
    for width in dict.fromkeys(widths):
        height = round(base.height * width / base.width)
        resized = base.resize((width, height), PILImage.Resampling.LANCZOS)
        for ext, fmt, quality in RENDITION_FORMATS:
            picture = resized
            if fmt == "JPEG" and picture.mode == "RGBA":
                flat = PILImage.new("RGB", picture.size, (255, 255, 255))
                flat.paste(picture, mask=picture.getchannel("A"))
                picture = flat
            buffer = io.BytesIO()
            picture.save(buffer, fmt, quality=quality, **ENCODER_OPTIONS.get(fmt, {}))
            name = default_storage.save(
                f"renditions/{stem}-{width}w.{ext}", ContentFile(buffer.getvalue())
            )
            made.append({"format": ext, "width": width, "height": height, "name": name})
    image.renditions = made
    image.save(update_fields=["renditions"])
    return made
