# Django's Persian formats use "." for decimals; Persian writes the momayyez (U+066B), which the
# reference page renders as "0/6740" (the slash is how it is typed on many keyboards).
from django.conf.locale.fa.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "\u066b"
THOUSAND_SEPARATOR = "\u066c"
