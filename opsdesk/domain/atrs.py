"""The UK Algorithmic Transparency Recording Standard (ATRS): the fields of its published template, version 3.0
(March 2024), by tier and section, and which of them must be filled in.

Field attributes, names, reference numbers and the required flag follow the template table the Central Digital and
Data Office publishes with the standard; OpsDesk fills what its record holds and lists the rest as gaps.
"""

from __future__ import annotations

from dataclasses import dataclass

TEMPLATE_VERSION = "3.0"
TEMPLATE = f"Algorithmic Transparency Recording Standard template v{TEMPLATE_VERSION} (March 2024)"


@dataclass(frozen=True)
class AtrsField:
    ref: str
    attribute: str
    name: str
    tier: int  # 0: metadata and title, 1: Tier 1, 2: Tier 2
    section: str
    required: bool


_M, _T = "Metadata", "Title information"
_T1 = "Overview"
_OR, _DR, _DM = "Owner and responsibility", "Description and rationale", "Decision-making process"
_TS, _MS, _DS = "Tool specification", "Model specification", "Data specification"
_RI = "Risks, mitigations and impact assessments"

FIELDS: tuple[AtrsField, ...] = (
    AtrsField("0.2", "standard_version", "Standard version", 0, _M, True),
    AtrsField("0.3", "organisation_type", "Organisation type", 0, _M, True),
    AtrsField("0.4", "function", "Function", 0, _M, True),
    AtrsField("0.5", "capability", "Capability", 0, _M, True),
    AtrsField("0.6", "task", "Task", 0, _M, True),
    AtrsField("0.7", "tags", "Tags", 0, _M, True),
    AtrsField("0.8", "date_of_completion", "Date of completion", 0, _M, True),
    AtrsField("0.9", "date_updated", "Date updated", 0, _M, True),
    AtrsField("0.11", "title", "Title", 0, _T, True),
    AtrsField("0.12", "organisation_name", "Organisation name", 0, _T, True),
    AtrsField("0.13", "phase", "Phase", 0, _T, True),
    AtrsField("0.14", "region", "Region", 0, _T, True),
    AtrsField("0.15", "one_sentence_description", "One sentence description", 0, _T, True),
    AtrsField("1.1", "name", "Name", 1, _T1, True),
    AtrsField("1.2", "description", "Description", 1, _T1, True),
    AtrsField("1.3", "website_url", "Website URL", 1, _T1, True),
    AtrsField("1.4", "contact_email", "Contact email", 1, _T1, True),
    AtrsField("2.1.1", "organisation_or_department", "Organisation or department", 2, _OR, True),
    AtrsField("2.1.2", "team", "Team", 2, _OR, True),
    AtrsField("2.1.3", "senior_responsible_owner", "Senior responsible owner", 2, _OR, True),
    AtrsField("2.1.4", "external_supplier_involvement", "External supplier involvement", 2, _OR, True),
    AtrsField("2.1.4.1", "external_supplier", "External supplier", 2, _OR, False),
    AtrsField("2.1.4.2", "companies_house_number", "Companies House Number", 2, _OR, False),
    AtrsField("2.1.4.3", "external_supplier_role", "External supplier role", 2, _OR, False),
    AtrsField("2.1.4.4", "procurement_procedure_type", "Procurement procedure type", 2, _OR, False),
    AtrsField("2.1.4.5", "data_access_terms", "Data access terms", 2, _OR, False),
    AtrsField("2.2.1", "detailed_description", "Detailed description", 2, _DR, False),
    AtrsField("2.2.2", "scope", "Scope", 2, _DR, True),
    AtrsField("2.2.3", "benefit", "Benefit", 2, _DR, True),
    AtrsField("2.2.4", "previous_process", "Previous process", 2, _DR, False),
    AtrsField("2.2.5", "alternatives_considered", "Alternatives considered", 2, _DR, False),
    AtrsField("2.3.1", "process_integration", "Process integration", 2, _DM, True),
    AtrsField("2.3.2", "provided_information", "Provided information", 2, _DM, True),
    AtrsField("2.3.3", "frequency_and_scale_of_usage", "Frequency and scale of usage", 2, _DM, True),
    AtrsField("2.3.4", "human_decisions_and_review", "Human decisions and review", 2, _DM, True),
    AtrsField("2.3.5", "required_training", "Required training", 2, _DM, True),
    AtrsField("2.3.6", "appeals_and_review", "Appeals and review", 2, _DM, False),
    AtrsField("2.4.1.1", "system_architecture", "System architecture", 2, _TS, True),
    AtrsField("2.4.1.2", "phase", "Phase", 2, _TS, True),
    AtrsField("2.4.1.3", "maintenance", "Maintenance", 2, _TS, True),
    AtrsField("2.4.1.4", "models", "Models", 2, _TS, True),
    AtrsField("2.4.2.1", "model_name", "Model name", 2, _MS, True),
    AtrsField("2.4.2.2", "model_version", "Model version", 2, _MS, True),
    AtrsField("2.4.2.3", "model_task", "Model task", 2, _MS, True),
    AtrsField("2.4.2.4", "model_input", "Model input", 2, _MS, True),
    AtrsField("2.4.2.5", "model_output", "Model output", 2, _MS, True),
    AtrsField("2.4.2.6", "model_architecture", "Model architecture", 2, _MS, True),
    AtrsField("2.4.2.7", "model_performance", "Model performance", 2, _MS, True),
    AtrsField("2.4.2.8", "datasets", "Datasets", 2, _MS, True),
    AtrsField("2.4.2.9", "dataset_purposes", "Dataset purposes", 2, _MS, True),
    AtrsField("2.4.3.1", "source_data_name", "Source data name", 2, _DS, True),
    AtrsField("2.4.3.2", "data_modality", "Data modality", 2, _DS, True),
    AtrsField("2.4.3.3", "data_description", "Data description", 2, _DS, True),
    AtrsField("2.4.3.4", "data_quantities", "Data quantities", 2, _DS, True),
    AtrsField("2.4.3.5", "sensitive_attributes", "Sensitive attributes", 2, _DS, True),
    AtrsField("2.4.3.6", "data_completeness_and_representativeness", "Data completeness and representativeness",
              2, _DS, True),
    AtrsField("2.4.3.7", "source_data_url", "Source data URL", 2, _DS, True),
    AtrsField("2.4.3.8", "data_collection", "Data collection", 2, _DS, True),
    AtrsField("2.4.3.9", "data_cleaning", "Data cleaning", 2, _DS, False),
    AtrsField("2.4.3.10", "data_sharing_agreements", "Data sharing agreements", 2, _DS, True),
    AtrsField("2.4.3.11", "data_access_and_storage", "Data access and storage", 2, _DS, True),
    AtrsField("2.5.1", "impact_assessment", "Impact assessment", 2, _RI, True),
    AtrsField("2.5.2", "risks_and_mitigations", "Risks and mitigations", 2, _RI, True),
)


def fields_for(tier: int) -> tuple[AtrsField, ...]:
    """Tier 1: metadata, title and the Tier 1 overview. Tier 2: all of that and the five Tier 2 sections."""
    if tier not in (1, 2):
        raise ValueError("the ATRS tier is 1 or 2")
    return tuple(f for f in FIELDS if f.tier <= tier)


def key(f: AtrsField) -> str:
    """A unique key per field (``phase`` appears in the title block and in the tool specification)."""
    return f"{f.ref} {f.attribute}"


# Fields OpsDesk keeps in its own words on the inventory record (the rest come from the register).
STORED: tuple[str, ...] = (
    "organisation_type", "function", "capability", "task", "region", "website_url", "team",
    "companies_house_number", "external_supplier_role", "procurement_procedure_type", "data_access_terms",
    "detailed_description", "scope", "previous_process", "alternatives_considered", "process_integration",
    "frequency_and_scale_of_usage", "human_decisions_and_review", "system_architecture", "maintenance",
    "model_input", "model_architecture", "model_performance", "dataset_purposes", "data_modality",
    "data_quantities", "data_completeness_and_representativeness", "data_collection", "data_cleaning",
    "data_sharing_agreements", "data_access_and_storage", "risks_and_mitigations",
)
