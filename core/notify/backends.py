"""How a message leaves Kopdig. Chosen by environment variables (read into settings):

- ``KOPDIG_NOTIFY_BACKEND=console`` (the default): prints each message on the worker's standard
  output (the demo, a laptop install);
- ``KOPDIG_NOTIFY_BACKEND=http``: a JSON POST to a WhatsApp/SMS gateway at
  ``KOPDIG_NOTIFY_URL`` with ``Authorization: Bearer $KOPDIG_NOTIFY_TOKEN``, a timeout of
  ``KOPDIG_NOTIFY_TIMEOUT`` seconds (10 by default) and the message's ``Idempotency-Key``, so a
  gateway that took a message whose answer was lost does not send it again on our retry.

A backend's :meth:`send` returns the gateway's reference for the message or raises
:class:`DeliveryError`; ``permanent=True`` when trying again cannot help (the gateway refused
the number or the request), and the outbox then gives up on the message at once.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

from django.conf import settings


@dataclass(frozen=True)
class Outgoing:
    key: str  # the idempotency key the gateway sees: stable across retries
    channel: str  # "whatsapp" | "sms"
    to: str  # E.164, +628…
    text: str
    koperasi: str  # the koperasi's code (a gateway may bill or sign per koperasi)


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Backend(Protocol):
    def send(self, message: Outgoing) -> str: ...


class ConsoleBackend:
    """Prints the message: the default, so a demo shows what members would receive."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, message: Outgoing) -> str:
        stream = self.stream or sys.stdout
        stream.write(f"[kopdig {message.channel} → {message.to}] {message.text}\n")
        stream.flush()
        return ""


class HttpBackend:
    """A WhatsApp/SMS gateway behind one URL taking a JSON POST per message::

        {"id": key, "channel": "sms", "to": "+6281…", "text": "…", "koperasi": "ksp-bajo"}

    A 2xx answer is sent (its JSON ``id``, when there is one, kept as the gateway's reference);
    408, 429 and 5xx, a timeout or a refused connection are worth a retry; another 4xx is not.
    """

    def __init__(self, url: str, *, token: str = "", timeout: float = 10.0) -> None:
        if not url:
            raise DeliveryError("KOPDIG_NOTIFY_URL belum diisi", permanent=False)
        self.url = url
        self.token = token
        self.timeout = timeout

    def send(self, message: Outgoing) -> str:
        body = json.dumps(
            {
                "id": message.key,
                "channel": message.channel,
                "to": message.to,
                "text": message.text,
                "koperasi": message.koperasi,
            }
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": message.key,
            "User-Agent": "kopdig-outbox",
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read(4096)
        except urllib.error.HTTPError as exc:
            detail = exc.read(300).decode(errors="replace").strip()
            retry = exc.code in (408, 429) or exc.code >= 500
            raise DeliveryError(f"HTTP {exc.code} {detail}".strip(), permanent=not retry) from None
        except TimeoutError:
            raise DeliveryError(f"batas waktu {self.timeout:g} detik habis") from None
        except urllib.error.URLError as exc:
            raise DeliveryError(f"gateway tidak terjangkau: {exc.reason}") from None
        except OSError as exc:
            raise DeliveryError(f"gateway: {exc}") from None
        return _reference(raw)


def _reference(raw: bytes) -> str:
    try:
        data: Any = json.loads(raw or b"{}")
    except ValueError:
        return ""
    ref = data.get("id", "") if isinstance(data, dict) else ""
    return str(ref)[:100]


def get_backend() -> Backend:
    """The backend the settings name (read when called, never at import)."""
    conf = getattr(settings, "KOPDIG_NOTIFY", {})
    name = (conf.get("BACKEND") or "console").strip().lower()
    if name == "http":
        return HttpBackend(
            conf.get("URL", ""),
            token=conf.get("TOKEN", ""),
            timeout=float(conf.get("TIMEOUT", 10)),
        )
    if name == "console":
        return ConsoleBackend()
    raise DeliveryError(f"KOPDIG_NOTIFY_BACKEND tidak dikenal: {name!r}")
