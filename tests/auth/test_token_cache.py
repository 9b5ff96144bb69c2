"""The shared token cache: one renewal for any number of callers, renewed early, never too late."""

from __future__ import annotations

import asyncio

from hpc_jupyter.auth import MIN_LEFT, CachedToken, Token, TokenSource
from hpc_jupyter.errors import FacilityAuthError, Unavailable
from hpc_jupyter.models import AuthStatus


class Minted(CachedToken):
    """Tokens `t1`, `t2`... living `lifetime` seconds, on a clock the test moves."""

    def __init__(self, lifetime: float, delay: float = 0.0) -> None:
        self.now = 1_000_000.0
        super().__init__("hpc", clock=lambda: self.now)
        self.lifetime = lifetime
        self.delay = delay
        self.failure: Exception | None = None

    async def _fetch(self) -> Token:
        await asyncio.sleep(self.delay)
        if self.failure is not None:
            raise self.failure
        return Token(f"t{self.refreshes + 1}", self.now + self.lifetime)


def test_concurrent_callers_share_one_renewal() -> None:
    # Given a source whose token service takes a moment to answer
    source = Minted(lifetime=300, delay=0.01)

    async def many() -> list[str]:
        return await asyncio.gather(*(source.token() for _ in range(20)))

    # When twenty requests want a token at once
    tokens = asyncio.run(many())

    # Then the service was asked once and everyone sends its answer
    assert source.refreshes == 1
    assert set(tokens) == {"t1"}


def test_a_token_with_under_30_s_left_is_never_handed_out() -> None:
    # Given a five-minute token (FirecREST's) and a source that renews 60 s ahead
    source = Minted(lifetime=300)
    assert source.expires_at is None
    assert asyncio.run(source.token()) == "t1"
    assert source.expires_at == source.now + 300

    # When 4 minutes have gone: still the same token
    source.now += 230
    assert asyncio.run(source.token()) == "t1"

    # When it has under 30 s left (FirecREST refuses those): a new one
    source.now += 45
    assert asyncio.run(source.token()) == "t2"
    assert source.refreshes == 2


def test_a_short_lived_token_is_kept_while_over_30_s_are_left() -> None:
    # Given tokens that live 100 s: a quarter of their life (25 s) would be too little margin
    source = Minted(lifetime=100)
    assert asyncio.run(source.token()) == "t1"
    source.now += 69
    assert asyncio.run(source.token()) == "t1"
    source.now += 2
    assert asyncio.run(source.token()) == "t2"
    assert MIN_LEFT == 30.0


def test_a_token_born_with_under_30_s_is_used_once_then_replaced() -> None:
    # Given a token service whose tokens live 31 s (the FirecREST outage test's)
    source = Minted(lifetime=31)
    assert asyncio.run(source.token()) == "t1"  # the best there is, straight from the service

    # A second later it has under 30 s left: FirecREST would refuse it, so it is not sent
    source.now += 1.1
    assert asyncio.run(source.token()) == "t2"


def test_invalidate_forces_a_renewal_but_only_of_the_refused_token() -> None:
    source = Minted(lifetime=3600)

    async def scenario() -> tuple[str, str, str]:
        first = await source.token()
        source.invalidate(first)  # the API refused it
        second = await source.token()
        source.invalidate(first)  # a slower request reports the same old refusal
        return first, second, await source.token()

    first, second, third = asyncio.run(scenario())
    assert (first, second, third) == ("t1", "t2", "t2")
    assert source.refreshes == 2


def test_concurrent_refusals_of_one_token_get_one_new_token() -> None:
    source = Minted(lifetime=3600, delay=0.01)

    async def refused_everywhere() -> set[str]:
        old = await source.token()

        async def retry() -> str:
            source.invalidate(old)
            return await source.token()

        return set(await asyncio.gather(*(retry() for _ in range(10))))

    assert asyncio.run(refused_everywhere()) == {"t2"}
    assert source.refreshes == 2


def test_state_says_what_a_person_can_act_on() -> None:
    source = Minted(lifetime=300)
    assert asyncio.run(source.state()).status == AuthStatus.OK
    source.now += 1000
    source.failure = FacilityAuthError("The file /x/token is empty.")
    refused = asyncio.run(source.state())
    assert refused.status == AuthStatus.ERROR and refused.message == "The file /x/token is empty."
    source.failure = Unavailable("The token service cannot be reached.")
    assert asyncio.run(source.state()).status == AuthStatus.UNKNOWN


def test_tokens_never_show_in_reprs() -> None:
    source = Minted(lifetime=300)
    asyncio.run(source.token())
    assert "t1" not in repr(source) and "t1" not in repr(source.current)
    assert isinstance(source, TokenSource)


def test_a_token_that_does_not_say_when_it_expires_is_kept() -> None:
    class Forever(Minted):
        async def _fetch(self) -> Token:
            return Token("forever", None)

    source = Forever(lifetime=0)
    asyncio.run(source.token())
    source.now += 10**9
    assert asyncio.run(source.token()) == "forever" and source.refreshes == 1
