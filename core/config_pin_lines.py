"""The [committees] and [verifiers] sections of core/config.py: the lines a PIN opens (the
committee line, 700; the verifier line, 520, whose wrong PINs count and lock by the
[committees] limits, apart) and the verifier on duty (core/store/duty.py, dialler/duty.py)."""

from __future__ import annotations

from dataclasses import dataclass

from .config_values import setting


@dataclass(frozen=True)
class CommitteesConfig:
    caller_wrong_pins: int = setting(
        5, "Wrong PINs after which the committee line refuses one caller (by pseudonym; withheld numbers count as one "
        "caller) without asking, until the oldest is caller_window_minutes old.")
    caller_window_minutes: int = setting(60, "The window of caller_wrong_pins, in minutes.")
    line_wrong_pins: int = setting(
        20, "Wrong PINs from all callers together after which the committee line takes no PIN for line_lock_minutes "
        "(caller ids can be spoofed); an admin can unlock it sooner in the console.")
    line_window_minutes: int = setting(60, "The window of line_wrong_pins, in minutes.")
    line_lock_minutes: int = setting(30, "How long the committee line stays locked after line_wrong_pins.")


@dataclass(frozen=True)
class VerifiersConfig:
    duty_priority: float = setting(
        7.0, "An alert waiting for a decision whose priority reaches this, in an area with a duty rota, has the "
        "dialler call the verifiers on duty in turn (at any hour) until one keys their phone PIN.")
    duty_ring_seconds: int = setting(30, "Ring time of a call to a verifier on duty before the next on the rota.")
