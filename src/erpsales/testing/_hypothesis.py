"""The ``hypothesis`` entry point: ``st.from_type`` knows erpsales' input models.

Hypothesis imports this module and calls :func:`_hypothesis_setup_hook` when hypothesis
itself is imported, in every environment where erpsales is installed (``pyproject.toml``:
``[project.entry-points.hypothesis]``; ``HYPOTHESIS_NO_PLUGINS=1`` turns such hooks off).
So the hook stays cheap: it registers a *resolver* per type and imports nothing beyond the
models, which importing erpsales has loaded already. The strategies module is imported the
first time ``st.from_type`` asks for one of the types.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

__all__: list[str] = []

#: The types registered, by the name of the strategy (in ``strategies``) that draws them.
_STRATEGIES = {
    "Prospect": "prospects",
    "Stakeholder": "stakeholders",
    "KeyInfo": "key_infos",
    "Territory": "territories",
}


def _resolver(name: str) -> Callable[[type[Any]], SearchStrategy[Any]]:
    def resolve(_type: type[Any]) -> SearchStrategy[Any]:
        from erpsales.testing import strategies

        strategy: SearchStrategy[Any] = getattr(strategies, name)()
        return strategy

    return resolve


def _hypothesis_setup_hook() -> None:
    """Register strategies for ``Prospect``, ``Stakeholder``, ``KeyInfo`` and ``Territory``."""
    from hypothesis import strategies as st

    from erpsales import models

    for type_name, strategy_name in _STRATEGIES.items():
        st.register_type_strategy(getattr(models, type_name), _resolver(strategy_name))
