"""cc_campaigns: async SDK, bulk uploader and CLI for outbound-dialing campaign APIs.

The design in one line: a session layer (the private ``_transport`` package) feeds a chunked
bulk engine (:mod:`.bulk`); per-item results are aggregated into a report; simulators stand in
for the services. The neutral core (:mod:`.errors`, :mod:`.retry`, the transport, the shared
wire hooks, :mod:`.bulk`) names no provider; each provider is a subpackage of the same shape
(:mod:`.dynamic`, :mod:`.voipbin`, :mod:`.campaigns_v1`).
"""

from importlib.metadata import PackageNotFoundError, version

from ._transport.session import Timeouts
from .bulk import Bucket, BulkReport, ItemOutcome, Progress, SourceRow
from .campaigns_v1.client import CampaignsV1Client
from .dynamic.adapters import read_customers
from .dynamic.client import CampaignsClient
from .dynamic.models import (
    TRANSITIONS,
    Campaign,
    CampaignRecord,
    CampaignState,
    CampaignStatus,
    CustomerItem,
    Disposition,
    ItemResult,
    Phone,
    RecordStatus,
    RecordStatusCode,
    StatusChange,
)
from .errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    CampaignNotDynamicError,
    CampaignNotEnabledError,
    CampaignNotStartedError,
    CampaignsError,
    CampaignStoppedError,
    CheckpointMismatchError,
    ConnectError,
    InvalidTransitionError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    RequestTimeoutError,
    ServerError,
    SourceError,
    TLSError,
    TransitionRefusedError,
    TransportError,
    UnexpectedResponseError,
    ValidationError,
    WaitTimeoutError,
)
from .retry import RetryPolicy

try:
    __version__ = version("cc-campaigns")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "TRANSITIONS",
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "Bucket",
    "BulkReport",
    "Campaign",
    "CampaignNotDynamicError",
    "CampaignNotEnabledError",
    "CampaignNotStartedError",
    "CampaignRecord",
    "CampaignState",
    "CampaignStatus",
    "CampaignStoppedError",
    "CampaignsClient",
    "CampaignsError",
    "CampaignsV1Client",
    "CheckpointMismatchError",
    "ConnectError",
    "CustomerItem",
    "Disposition",
    "InvalidTransitionError",
    "ItemOutcome",
    "ItemResult",
    "NotFoundError",
    "OutcomeUnknownError",
    "Phone",
    "Progress",
    "RateLimitedError",
    "RecordStatus",
    "RecordStatusCode",
    "RequestTimeoutError",
    "RetryPolicy",
    "ServerError",
    "SourceError",
    "SourceRow",
    "StatusChange",
    "TLSError",
    "Timeouts",
    "TransitionRefusedError",
    "TransportError",
    "UnexpectedResponseError",
    "ValidationError",
    "WaitTimeoutError",
    "__version__",
    "read_customers",
]
