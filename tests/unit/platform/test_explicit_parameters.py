"""Every handler declares its parameters explicitly (`NamedDependency`, `FromPath`, `FromQuery`,
`JSONBody`): Litestar 2.25 warns once per inferred parameter when an app is built, and says the
inferred styles stop working in Litestar 3.0. A handler added in the old style fails here, in
whichever app `tessera serve [command|query|push]` would build with it."""
from __future__ import annotations

import warnings

import pytest
from litestar.exceptions import LitestarDeprecationWarning

from infra.config import load_settings
from infra.web.app import SERVICES, build_app


@pytest.mark.parametrize("services", [SERVICES, *((service,) for service in SERVICES)],
                         ids=lambda services: "+".join(services))
def test_building_every_service_emits_no_litestar_deprecation_warning(services, tmp_path):
    settings = load_settings({"TESSERA_DATA_DIR": str(tmp_path)})
    with warnings.catch_warnings():
        warnings.simplefilter("error", LitestarDeprecationWarning)
        build_app(services, settings)
