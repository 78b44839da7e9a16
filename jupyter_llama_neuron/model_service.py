"""The model catalog as the REST API shows it: summaries and cards with this server's licence records,
allow-lists and local stand-ins, and recording a licence acceptance."""

from __future__ import annotations

from typing import Any

from .catalog import Catalog
from .errors import BadRequest
from .eula import EulaStore
from .settings import ExtensionSettings
from .training_rules import DURATION_ASSUMPTION, FINE_TUNED_DEPLOY_NOTE


class ModelService:
    def __init__(self, settings: ExtensionSettings, catalog: Catalog, eula: EulaStore) -> None:
        self.settings = settings
        self.catalog = catalog
        self.eula = eula

    def _allowed(self, model_id: str) -> bool:
        return not self.settings.allowed_model_ids or model_id in self.settings.allowed_model_ids

    def list(self) -> dict[str, Any]:
        """``GET /models``: catalog summaries plus this server's licence records and allow-list."""
        items = []
        for summary in self.catalog.summaries():
            summary["eula_accepted"] = self.eula.accepted(summary["id"])
            summary["allowed"] = self._allowed(summary["id"])
            items.append(summary)
        return {"models": items}

    def card(self, model_id: str) -> dict[str, Any]:
        """``GET /models/{id}``: the card plus the licence record, allow-lists and local stand-in."""
        card = self.catalog.card(model_id)
        card["eula"] = self.eula.record(model_id)
        card["eula_accepted"] = card["eula"] is not None
        card["allowed"] = self._allowed(model_id)
        allowed_instances = self.settings.allowed_instance_types
        for row in card["precompiled_configs"]:
            row["allowed"] = not allowed_instances or row["instance_type"] in allowed_instances
        if card["training"]["supported"]:
            # What the fine-tuning form's cost estimate (price x duration) assumes; see training_service.
            card["training"]["duration_assumption"] = dict(DURATION_ASSUMPTION)
            card["training"]["deploy_note"] = FINE_TUNED_DEPLOY_NOTE
        local_path = self.settings.local_model_paths.get(model_id)
        if local_path:
            card["local_stand_in"] = f"Local mode: the Hugging Face model in {local_path} answers for it."
        return card

    def accept_eula(self, model_id: str, body: Any, user: str) -> dict[str, Any]:
        """``POST /models/{id}/eula`` with ``{"accept": true}``, optionally ``"same_license": true``.

        With ``same_license`` every model under the same licence is accepted too (one record each); the
        answer is this model's record plus ``covers``, the ids of all the models it now covers.
        """
        self.catalog.model(model_id)  # 404 before judging the body
        if (
            not isinstance(body, dict)
            or not {"accept"} <= set(body) <= {"accept", "same_license"}
            or body["accept"] is not True
            or not isinstance(body.get("same_license", False), bool)
        ):
            raise BadRequest(
                'To accept the licence send {"accept": true} (and "same_license": true to accept it for '
                "every model under the same licence).",
                hint="Read the Llama 2 Community License and Acceptable Use Policy linked on the model card.",
                code="InvalidBody",
            )
        if body.get("same_license"):
            records = self.eula.accept_same_licence(model_id, user)
            return {**records[0], "covers": [record["model_id"] for record in records]}
        return self.eula.accept(model_id, user)
