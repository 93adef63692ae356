"""The kernel: every long-lived part, built once by ``create_app`` or the CLI and passed down."""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from contactless.platform import audit_seal
from contactless.platform.channels import MessageChannel, OutboxChannel
from contactless.platform.db import Database
from contactless.platform.events import EventBus
from contactless.platform.loading import load_part
from contactless.platform.security import FieldCipher, Passwords, TokenSigner
from contactless.platform.store import Store, build_store
from contactless.settings import Settings


@dataclass
class Kernel:
    """``extensions`` is what a domain keeps per kernel (its plugins, its policy), each under
    a key of its own; tests build kernels side by side, so nothing of the kind is global."""

    settings: Settings
    db: Database
    store: Store
    cipher: FieldCipher
    signer: TokenSigner
    bus: EventBus
    channel: MessageChannel
    passwords: Passwords
    extensions: dict[str, Any] = field(default_factory=dict)


def build_kernel(
    settings: Settings,
    *,
    db: Database | None = None,
    store: Store | None = None,
    channel: MessageChannel | None = None,
) -> Kernel:
    settings.check_secrets()
    settings.home.mkdir(parents=True, exist_ok=True)
    database = db or Database(settings.sqlalchemy_url)
    cipher = FieldCipher.from_secrets(
        settings.data_key.get_secret_value(),
        [key.get_secret_value() for key in settings.extra_key_ids.values()],
    )
    kernel = Kernel(
        settings=settings,
        db=database,
        store=store or build_store(settings.redis_url),
        cipher=cipher,
        signer=TokenSigner(settings.secret_key.get_secret_value()),
        bus=EventBus(database),
        channel=channel or _channel(settings, cipher),
        passwords=Passwords(time_cost=settings.argon2_time_cost,
                            memory_kib=settings.argon2_memory_kib),
    )
    database.kernel = kernel
    audit_seal.install(kernel)
    return kernel


def settle_start_up_heap() -> None:
    """What start-up built (modules, models, routes, the kernel) lives as long as the
    process: moved out of the garbage collector's sight, so a full collection during a burst
    of requests walks only what the requests made, not every module and model. Called once
    a long-running process has started (the server's start-up, the worker's)."""
    gc.collect()
    gc.freeze()


def _channel(settings: Settings, cipher: FieldCipher) -> MessageChannel:
    if settings.sms_channel == OutboxChannel.name:
        return OutboxChannel(cipher)
    channel: MessageChannel = load_part(settings.sms_channel, setting="sms_channel",
                                        settings=settings)
    return channel


def kernel_of(session: Session) -> Kernel:
    """The kernel whose database opened this session (set by ``Database.session``)."""
    kernel = session.info.get("kernel")
    if kernel is None:
        raise RuntimeError("session was not opened through Database.session()")
    return kernel  # type: ignore[no-any-return]
