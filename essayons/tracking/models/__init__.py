"""Tracking models, one module per area: links and clicks, the till, online sales, ad spend."""

from essayons.tracking.models.ads import *  # noqa: F403
from essayons.tracking.models.links import *  # noqa: F403
from essayons.tracking.models.results import *  # noqa: F403
from essayons.tracking.models.sales import *  # noqa: F403
from essayons.tracking.models.till import *  # noqa: F403
