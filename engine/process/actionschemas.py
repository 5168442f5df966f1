"""The JSON Schemas of the actions whose content the law fixes (a refusal's reasons, a supplement request's
items, an extension), owned by the engine rather than by a procedure's forms; engine.process.forms re-exports them."""
from __future__ import annotations

# The legal content of these actions is fixed by law, so the engine owns their schemas (api.md, D8, D10–D11, D17).
ACTION_SCHEMAS: dict[str, dict] = {
    "request_supplement": {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {
                "type": "array", "minItems": 1, "maxItems": 50,
                "items": {
                    "type": "object", "required": ["component", "problem", "required"],
                    "properties": {
                        "component": {"type": "string", "minLength": 1, "maxLength": 500},
                        "problem": {"type": "string", "minLength": 1, "maxLength": 2000},
                        "required": {"type": "string", "minLength": 1, "maxLength": 2000},
                        "paper": {"type": "boolean"},
                    },
                    "additionalProperties": False,
                },
            },
            "second_reason": {
                "type": "object", "required": ["kind", "explanation"],
                "properties": {
                    "kind": {"enum": ["applicant_not_compliant", "other"]},
                    "unmet_items": {"type": "array", "items": {"type": "string", "minLength": 1}},
                    "explanation": {"type": "string", "minLength": 1, "maxLength": 4000},
                },
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    },
    "refuse": {
        "type": "object", "required": ["reasons"],
        "properties": {"reasons": {"type": "array", "minItems": 1,
                                   "items": {"type": "string", "minLength": 3, "maxLength": 2000}}},
        "additionalProperties": False,
    },
    "request_extension": {
        "type": "object", "required": ["reason"],
        "properties": {
            "working_hours": {"type": "number", "exclusiveMinimum": 0, "maximum": 8760},
            "working_days": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000},
            # a reason, not blank (D17, D20: it goes into the apology letter); no legal minimum length
            "reason": {"type": "string", "minLength": 1, "maxLength": 4000},
        },
        "oneOf": [{"required": ["working_hours"]}, {"required": ["working_days"]}],
        "additionalProperties": False,
    },
    "reject_extension": {
        "type": "object", "required": ["reason"],
        "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 4000}},  # as request_extension's
        "additionalProperties": False,
    },
}
