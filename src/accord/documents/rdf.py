"""An agreement version as linked data: W3C DPV 2.3 for the processing, ODRL 2.2 for the rules.

The shape follows the interoperability research behind Accord (interop-standards §1.6-1.8, §2.3):

- the agreement is an `accord:DataSharingAgreement` (our class, a subclass of
  `dpv:DataProcessingAgreement`), with its title, reference, version, content hash and
  `dpv:hasContractStatus`;
- it `dct:hasPart` a `dpv:Process` (who shares with whom, why, what data about whom, under which
  law, with which measures, kept how long) and an `odrl:Agreement` (for each party that shares to
  each party that receives: what the recipient may do, constrained by purpose and dates, its duty
  to delete and to report breaches, and what it must not do);
- signatures and DPO consultations are PROV activities with the hash of the content signed.

Every node has an IRI under the version's own address (`<base_iri>versions/<n>#...`), no blank
nodes, so the same input always gives the same graph, and the Turtle and JSON-LD are sorted.
Only terms that exist in DPV 2.3 and ODRL 2.2 (not deprecated) are used; the vendored term lists
in `vocab/` are what the tests check that against.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Final
from urllib.parse import quote, urlsplit

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, TIME, XSD
from rdflib.term import Node

from accord.core import codes
from accord.core.agreement.sections import END_ACTIONS, PERMITTED_USES, PROHIBITED_USES
from accord.documents.model import DocumentInput
from accord.documents.text import clean, role_label, utc

DPV: Final = Namespace("https://w3id.org/dpv#")
PD: Final = Namespace("https://w3id.org/dpv/pd#")
EU_GDPR: Final = Namespace("https://w3id.org/dpv/legal/eu/gdpr#")
ODRL: Final = Namespace("http://www.w3.org/ns/odrl/2/")
ACCORD: Final = Namespace("https://w3id.org/accord/ns#")
LEGISLATION: Final = Namespace("http://www.legislation.gov.uk/id/")
# Provisions that are not legislation (the common-law duty of confidence, for example).
ACCORD_LAW: Final = Namespace("https://w3id.org/accord/law/")
# The United Kingdom in the EU Publications Office country table (an ISO 3166 authority list).
UNITED_KINGDOM: Final = URIRef("http://publications.europa.eu/resource/authority/country/GBR")

PREFIXES: Final = (
    ("accord", ACCORD),
    ("dct", DCTERMS),
    ("dpv", DPV),
    ("eu-gdpr", EU_GDPR),
    ("odrl", ODRL),
    ("owl", OWL),
    ("pd", PD),
    ("prov", PROV),
    ("rdf", RDF),
    ("rdfs", RDFS),
    ("skos", SKOS),
    ("time", TIME),
    ("xsd", XSD),
)
EN: Final = "en-GB"

# Accord purposes with a DPV purpose that means the same thing. The others become Accord
# concepts under dpv:Purpose rather than being forced onto a DPV term that says something else.
PURPOSES: Final = {
    "counter-terrorism": DPV.Counterterrorism,
    "fraud": DPV.FraudPreventionAndDetection,
    "direct-marketing": DPV.DirectMarketing,
    "service-planning": DPV.ImprovePublicServices,
}
# Data categories (codes.DATA_CATEGORIES) to DPV personal data categories; anything else is
# dpv:PersonalData.
DATA_CATEGORIES: Final = {
    "identifiers": (PD.Identifying,),
    "contact": (PD.Contact,),
    "demographics": (PD.Demographic,),
    "financial": (PD.Financial,),
    "employment": (PD.EmploymentHistory,),
    "education": (PD.Education,),
    "health": (PD.Health,),
    "genetic": (PD.Genetic,),
    "biometric": (PD.Biometric,),
    "racial-or-ethnic-origin": (PD.Race, PD.EthnicOrigin),
    "political-opinions": (PD.PoliticalOpinion,),
    "religious-or-philosophical-beliefs": (PD.ReligiousBelief, PD.PhilosophicalBelief),
    "trade-union-membership": (PD.TradeUnionMembership,),
    "sex-life": (PD.SexualHistory,),
    "sexual-orientation": (PD.Sexual,),
    "criminal-offence": (PD.Criminal,),
}
# Data subjects (codes.DATA_SUBJECTS); the others become Accord concepts under dpv:DataSubject.
DATA_SUBJECTS: Final = {
    "children": (DPV.Child,),
    "pupils": (DPV.Student,),
    "parents-carers": (DPV.ParentOfDataSubject, DPV.GuardianOfDataSubject),
    "adults-at-risk": (DPV.VulnerableDataSubject,),
    "patients": (DPV.Patient,),
    "service-users": (DPV.User,),
    "staff": (DPV.Employee,),
}
# The measures each mechanism brings (drafting.MEASURES) as DPV technical and organisational
# measures.
MEASURES: Final = {
    "encryption-in-transfer": DPV.EncryptionInTransfer,
    "encryption-at-rest": DPV.EncryptionAtRest,
    "access-control": DPV.AccessControlMethod,
    "logging": DPV.LoggingPolicy,
    "staff-training": DPV.StaffTraining,
}
# What each permitted use means as a DPV processing operation.
PROCESSING: Final = {
    "use-for-purpose": DPV.Use,
    "store-securely": DPV.Store,
    "combine-with-own-records": DPV.Match,
    "read-by-named-staff": DPV.Access,
}
PARTY_TYPES: Final = {
    "police": DPV.LawEnforcementOrganisation,
    "nhs-trust": DPV.HealthcareOrganisation,
    "gp-practice": DPV.HealthcareOrganisation,
    "school": DPV.EducationalOrganisation,
    "further-education": DPV.EducationalOrganisation,
    "fire-and-rescue": DPV.FireDepartment,
    "charity": DPV.CharityOrganisation,
    "private-company": DPV.PrivateSectorBody,
}
ROLE_IRIS: Final = {
    "siro": ACCORD.SeniorInformationRiskOwner,
    "caldicott-guardian": ACCORD.CaldicottGuardian,
    "dpo": ACCORD.DataProtectionOfficer,
}
_LEGISLATION_TYPES: Final = (
    "eur/",
    "ukpga/",
    "uksi/",
    "asp/",
    "ssi/",
    "anaw/",
    "asc/",
    "wsi/",
    "nia/",
    "nisr/",
)
_ART_6: Final = re.compile(r"^eur/2016/679/article/6/1/([a-f])$")
_ART_9: Final = re.compile(r"^eur/2016/679/article/9/2/([a-j])$")
_SAFE_URL: Final = re.compile(r"^https?://[^\s<>\"'{}|\\^`]+$")
STAND_IN_NOTE: Final = (
    "UK GDPR Article 6 and 9 legal bases are given with the DPV EU GDPR concepts "
    "(eu-gdpr:A6-1-*, eu-gdpr:A9-2-*) as stand-ins: DPV 2.3 has no UK legal-basis concepts "
    "(its LEGAL-GB extension names only the laws). The UK text is near-identical but the "
    "provision that applies is the UK one, identified by its legislation.gov.uk URI with "
    "dpv:hasApplicableLaw."
)


def _camel(code: str) -> str:
    words = re.split(r"[^A-Za-z0-9]+", code)
    return "".join(word[:1].upper() + word[1:] for word in words if word) or "Unnamed"


def _version_base(doc: DocumentInput) -> Namespace:
    base = doc.base_iri.strip()
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc or not _SAFE_URL.match(base):
        raise ValueError(f"base_iri must be an absolute http(s) address, not {doc.base_iri!r}")
    if not base.endswith("/"):
        base += "/"
    return Namespace(f"{base}versions/{doc.version}#")


def _section(content: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    for section in content.get("sections", []):
        if section.get("key") == key:
            values = section.get("values")
            return values if isinstance(values, Mapping) else {}
    return {}


def _law(provision_id: str) -> URIRef:
    path = quote(provision_id.strip().strip("/"), safe="/-._~")
    if path.startswith(_LEGISLATION_TYPES):
        return LEGISLATION[path]
    return ACCORD_LAW[path]


def _legal_basis(kind: str, provision_id: str) -> URIRef | None:
    """The concept for a UK GDPR Art 6 or Art 9 basis; None for the other kinds of provision.

    DPV's EU GDPR concepts stand in where the EU article has the same point; a UK-only point
    (Art 6(1)(ea), recognised legitimate interests) gets an Accord concept, "UKGDPR-A6-1-ea".
    """
    if kind not in ("article-6", "article-9"):
        return None
    if match := _ART_6.match(provision_id):
        return EU_GDPR[f"A6-1-{match[1]}"]
    if match := _ART_9.match(provision_id):
        return EU_GDPR[f"A9-2-{match[1]}"]
    point = re.sub(r"[^A-Za-z0-9]+", "-", provision_id.rsplit("article/", 1)[-1]).strip("-")
    return ACCORD[f"UKGDPR-A{point or 'unknown'}"]


class _Builder:
    def __init__(self, doc: DocumentInput) -> None:
        self.doc = doc
        self.content = doc.content
        self.g = Graph(bind_namespaces="none")
        self.dsa = _version_base(doc)
        for prefix, namespace in PREFIXES:
            self.g.bind(prefix, namespace)
        self.g.bind("dsa", self.dsa)
        self.agreement = self.dsa.agreement
        self.reference = clean(self.content.get("reference", ""))
        self.named = f"{self.reference} version {doc.version}"

    def add(self, subject: Node, predicate: Node, *objects: Node) -> None:
        for obj in objects:
            self.g.add((subject, predicate, obj))

    def text(self, value: object, lang: str | None = None) -> Literal:
        return Literal(clean(value), lang=lang)

    def concept(self, iri: URIRef, label: str, broader: URIRef, kind: URIRef) -> URIRef:
        """Declare an Accord concept used where DPV has no term that means the same."""
        self.add(iri, RDF.type, RDFS.Class, SKOS.Concept, kind)
        self.add(iri, SKOS.broader, broader)
        self.add(iri, SKOS.prefLabel, Literal(label, lang=EN))
        self.add(iri, RDFS.isDefinedBy, URIRef(str(ACCORD)))
        return iri

    # --- the agreement ---------------------------------------------------------------------

    def build(self) -> Graph:
        self.vocabulary()
        parties = self.parties()
        self.agreement_node(parties)
        self.process(parties)
        self.policy(parties)
        self.signatures(parties)
        return self.g

    def vocabulary(self) -> None:
        """The few Accord terms the graph uses, declared so that it describes itself."""
        a = ACCORD
        self.add(a.DataSharingAgreement, RDF.type, RDFS.Class)
        self.add(a.DataSharingAgreement, RDFS.subClassOf, DPV.DataProcessingAgreement)
        self.add(
            a.DataSharingAgreement,
            RDFS.label,
            Literal("Data Sharing Agreement", lang=EN),
        )
        self.add(
            a.DataSharingAgreement,
            RDFS.comment,
            Literal(
                "An agreement between controllers to share personal data, as the ICO data "
                "sharing code describes it.",
                lang=EN,
            ),
        )
        for prop, label in (
            (a.contentHash, "SHA-256 of the canonical JSON of the agreement content"),
            (a.signedContentHash, "SHA-256 of the agreement content that was signed"),
        ):
            self.add(prop, RDF.type, RDF.Property)
            self.add(prop, RDFS.label, Literal(label, lang=EN))
        for cls, label in (
            (a.Signature, "Signature of an agreement version"),
            (a.Consultation, "Record that the Data Protection Officer was consulted"),
        ):
            self.add(cls, RDF.type, RDFS.Class)
            self.add(cls, RDFS.subClassOf, PROV.Activity)
            self.add(cls, RDFS.label, Literal(label, lang=EN))
        for iri in (a.DataSharingAgreement, a.contentHash, a.signedContentHash, a.Signature):
            self.add(iri, RDFS.isDefinedBy, URIRef(str(ACCORD)))
        self.add(a.Consultation, RDFS.isDefinedBy, URIRef(str(ACCORD)))

    def parties(self) -> list[tuple[URIRef, Mapping[str, Any]]]:
        result = []
        for index, party in enumerate(_section(self.content, "parties").get("parties", []), 1):
            node = self.dsa[f"party-{index}"]
            role = party.get("role")
            ptype = party.get("type", "")
            self.add(node, RDF.type, DPV.DataController, ODRL.Party)
            if role in ("discloses", "both"):
                self.add(node, RDF.type, DPV.DataExporter)
            if role in ("receives", "both"):
                self.add(node, RDF.type, DPV.DataImporter, DPV.Recipient)
            if ptype in codes.PUBLIC_AUTHORITY_TYPES:
                self.add(node, RDF.type, DPV.PublicSectorBody)
            if ptype in PARTY_TYPES:
                self.add(node, RDF.type, PARTY_TYPES[ptype])
            self.add(node, RDFS.label, self.text(party.get("name", "")))
            self.add(node, DPV.hasName, self.text(party.get("name", "")))
            if party.get("ico_registration"):
                self.add(node, DPV.hasIdentifier, self.text(party["ico_registration"]))
            email = clean(party.get("contact_email", "")).strip()
            if re.fullmatch(r"[^\s@<>\"]+@[^\s@<>\"]+", email):
                self.add(node, DPV.hasContact, URIRef("mailto:" + quote(email, safe="@.+-_")))
            result.append((node, party))
        return result

    def agreement_node(self, parties: Sequence[tuple[URIRef, Mapping[str, Any]]]) -> None:
        node = self.agreement
        self.add(node, RDF.type, ACCORD.DataSharingAgreement, DPV.DataProcessingAgreement)
        self.add(node, DCTERMS.title, self.text(self.content.get("title", ""), EN))
        self.add(node, DCTERMS.identifier, Literal(self.reference))
        self.add(node, OWL.versionInfo, Literal(str(self.doc.version)))
        self.add(node, ACCORD.contentHash, Literal(clean(self.doc.content_hash)))
        self.add(node, DCTERMS.isVersionOf, URIRef(str(self.dsa).rsplit("versions/", 1)[0]))
        self.add(node, DPV.hasContractStatus, self.status())
        self.add(node, DPV.hasParty, *(party for party, _ in parties))
        self.add(node, DCTERMS.hasPart, self.dsa.process, self.dsa.policy)
        overarching = self.content.get("overarching")
        if isinstance(overarching, Mapping):
            self.add(
                node,
                RDFS.comment,
                Literal(
                    "Its baseline sections follow the overarching agreement "
                    f"{clean(overarching.get('reference'))} version "
                    f"{clean(overarching.get('version'))} (SHA-256 "
                    f"{clean(overarching.get('hash'))}).",
                    lang=EN,
                ),
            )

    def status(self) -> URIRef:
        if self.doc.signed_by_all:
            return DPV.ContractFullySigned
        if any(
            s.kind == "sign" and s.version_hash == self.doc.content_hash
            for s in self.doc.signatures
        ):
            return DPV.ContractPartiallySigned
        return DPV.ContractDrafted

    # --- the processing (DPV) --------------------------------------------------------------

    def purposes(self) -> list[URIRef]:
        result = []
        for code in _section(self.content, "purpose").get("purposes", []):
            if code in PURPOSES:
                result.append(PURPOSES[code])
            else:
                result.append(
                    self.concept(ACCORD[_camel(code)], codes.label(code), DPV.Purpose, DPV.Purpose)
                )
        return result

    def process(self, parties: Sequence[tuple[URIRef, Mapping[str, Any]]]) -> None:
        node = self.dsa.process
        self.add(node, RDF.type, DPV.Process)
        self.add(node, RDFS.label, Literal(f"Data sharing under {self.named}", lang=EN))
        self.add(node, DPV.hasDataController, *(party for party, _ in parties))
        for party, values in parties:
            if values.get("role") in ("discloses", "both"):
                self.add(node, DPV.hasDataExporter, party)
            if values.get("role") in ("receives", "both"):
                self.add(node, DPV.hasDataImporter, party)
                self.add(node, DPV.hasRecipient, party)
        self.add(node, DPV.hasPurpose, *self.purposes())
        permitted = _section(self.content, "permitted-uses").get("codes", [])
        self.add(node, DPV.hasProcessing, DPV.Share)
        self.add(node, DPV.hasProcessing, *(PROCESSING[c] for c in permitted if c in PROCESSING))
        data = _section(self.content, "data")
        for item in data.get("items", []):
            self.add(
                node,
                DPV.hasPersonalData,
                *DATA_CATEGORIES.get(item.get("category"), (DPV.PersonalData,)),
            )
        for code in data.get("subjects", []):
            subjects = DATA_SUBJECTS.get(code) or (
                self.concept(
                    ACCORD[_camel(code)], codes.label(code), DPV.DataSubject, DPV.DataSubject
                ),
            )
            self.add(node, DPV.hasDataSubject, *subjects)
        measures = _section(self.content, "mechanism").get("measures", [])
        self.add(
            node,
            DPV.hasTechnicalOrganisationalMeasure,
            *(MEASURES[m] for m in measures if m in MEASURES),
        )
        self.legal_bases(node, parties)
        self.retention(node)
        self.review(node)

    def legal_bases(
        self, process: URIRef, parties: Sequence[tuple[URIRef, Mapping[str, Any]]]
    ) -> None:
        values = _section(self.content, "legal-basis")
        by_name = {clean(party_values.get("name")): party for party, party_values in parties}
        laws: dict[URIRef, tuple[str, str]] = {}
        for index, basis in enumerate(values.get("bases", []), 1):
            part = self.dsa[f"process-basis-{index}"]
            name = clean(basis.get("party"))
            self.add(process, DCTERMS.hasPart, part)
            self.add(part, RDF.type, DPV.Process)
            self.add(part, RDFS.label, Literal(f"The legal basis of {name}", lang=EN))
            if name in by_name:
                self.add(part, DPV.hasDataController, by_name[name])
            for provision in basis.get("provisions", []):
                provision_id = clean(provision.get("id", ""))
                if not provision_id:
                    continue
                law = _law(provision_id)
                laws.setdefault(law, (clean(provision.get("label")), clean(provision.get("url"))))
                self.add(part, DPV.hasApplicableLaw, law)
                self.add(process, DPV.hasApplicableLaw, law)
                concept = _legal_basis(clean(provision.get("kind")), provision_id)
                if concept is None:
                    continue
                if concept.startswith(str(ACCORD)):
                    self.concept(
                        concept, clean(provision.get("label")), DPV.LegalBasis, DPV.LegalBasis
                    )
                self.add(part, DPV.hasLegalBasis, concept)
                self.add(process, DPV.hasLegalBasis, concept)
        if laws:
            self.add(process, RDFS.comment, Literal(STAND_IN_NOTE, lang=EN))
        for law, (label, url) in laws.items():
            self.add(law, RDF.type, DPV.Law)
            if label:
                self.add(law, RDFS.label, Literal(label, lang=EN))
            if _SAFE_URL.match(url):
                self.add(law, RDFS.seeAlso, URIRef(url))

    def duration(self, node: URIRef, months: int, label: str) -> None:
        self.add(node, RDF.type, DPV.TemporalDuration, TIME.Duration)
        self.add(node, TIME.numericDuration, Literal(f"{months}.0", datatype=XSD.decimal))
        self.add(node, TIME.unitType, TIME.unitMonth)
        self.add(node, RDFS.label, Literal(label, lang=EN))

    def retention(self, process: URIRef) -> None:
        values = _section(self.content, "retention")
        months = values.get("months")
        if isinstance(months, int) and months > 0:
            storage = self.dsa["storage-duration"]
            self.add(process, DPV.hasStorageCondition, storage)
            self.add(storage, RDF.type, DPV.StorageDuration)
            self.add(storage, DPV.hasDuration, self.dsa["retention-period"])
            self.duration(self.dsa["retention-period"], months, f"At most {months} months")
        end = values.get("end_action")
        if end in END_ACTIONS:
            deletion = self.dsa["storage-end"]
            self.add(process, DPV.hasStorageCondition, deletion)
            self.add(deletion, RDF.type, DPV.StorageDeletion)
            self.add(deletion, RDFS.label, Literal(f"At the end: {END_ACTIONS[end]}", lang=EN))

    def review(self, process: URIRef) -> None:
        values = _section(self.content, "review")
        months = values.get("every_months")
        if not isinstance(months, int) or months <= 0:
            return
        review = self.dsa.review
        self.add(process, DPV.hasOrganisationalMeasure, review)
        self.add(review, RDF.type, DPV.ReviewProcedure)
        self.add(review, RDFS.label, Literal(f"Review every {months} months", lang=EN))
        self.add(review, DPV.hasDuration, self.dsa["review-interval"])
        self.duration(self.dsa["review-interval"], months, f"Every {months} months")
        first = _date(values.get("first_review_on"))
        if first:
            self.add(review, DCTERMS.date, Literal(first, datatype=XSD.date))

    # --- the rules (ODRL) ------------------------------------------------------------------

    def constraint(self, name: str, left: URIRef, operator: URIRef, *right: Node) -> URIRef:
        node = self.dsa[f"constraint-{name}"]
        self.add(node, RDF.type, ODRL.Constraint)
        self.add(node, ODRL.leftOperand, left)
        self.add(node, ODRL.operator, operator)
        self.add(node, ODRL.rightOperand, *right)
        return node

    def policy(self, parties: Sequence[tuple[URIRef, Mapping[str, Any]]]) -> None:
        policy = self.dsa.policy
        data = self.dsa.data
        self.add(policy, RDF.type, ODRL.Agreement)
        self.add(policy, ODRL.uid, policy)
        self.add(policy, ODRL.conflict, ODRL.prohibit)
        self.add(
            policy,
            RDFS.label,
            Literal(f"What recipients may and must not do under {self.named}", lang=EN),
        )
        self.add(data, RDF.type, ODRL.Asset)
        self.add(data, RDFS.label, Literal(f"The data shared under {self.named}", lang=EN))

        purposes = self.purposes()
        term = _section(self.content, "term")
        start, end = _date(term.get("start_on")), _date(term.get("end_on"))
        months = _section(self.content, "retention").get("months")
        hours = _section(self.content, "breaches").get("notify_hours")
        permission_constraints = []
        if purposes:
            operator = ODRL.isA if len(purposes) == 1 else ODRL.isAnyOf
            permission_constraints.append(
                self.constraint("purpose", ODRL.purpose, operator, *purposes)
            )
        if start:
            permission_constraints.append(
                self.constraint(
                    "start", ODRL.dateTime, ODRL.gteq, Literal(start, datatype=XSD.date)
                )
            )
        if end:
            permission_constraints.append(
                self.constraint("end", ODRL.dateTime, ODRL.lteq, Literal(end, datatype=XSD.date))
            )
        retention = breach = None
        if isinstance(months, int) and months > 0:
            retention = self.constraint(
                "retention", ODRL.elapsedTime, ODRL.lteq, _duration(f"P{months}M")
            )
        if isinstance(hours, int) and hours > 0:
            breach = self.constraint(
                "breach-notice", ODRL.elapsedTime, ODRL.lteq, _duration(f"PT{hours}H")
            )
            self.add(ACCORD.PersonalDataBreach, RDF.type, SKOS.Concept)
            self.add(
                ACCORD.PersonalDataBreach,
                SKOS.prefLabel,
                Literal("A personal data breach affecting the data shared", lang=EN),
            )
            self.add(ACCORD.PersonalDataBreach, RDFS.isDefinedBy, URIRef(str(ACCORD)))
            self.constraint("after-breach", ODRL.event, ODRL.gt, ACCORD.PersonalDataBreach)

        disclosers = [
            (i, p) for i, (p, v) in enumerate(parties, 1) if v.get("role") in ("discloses", "both")
        ]
        recipients = [
            (i, p) for i, (p, v) in enumerate(parties, 1) if v.get("role") in ("receives", "both")
        ]
        permitted = _section(self.content, "permitted-uses").get("codes", [])
        prohibited = _section(self.content, "prohibited-uses").get("codes", [])
        for i, assigner in disclosers:
            for j, assignee in recipients:
                if i == j:
                    continue
                pair = f"{i}-to-{j}"
                duties = []
                if retention is not None:
                    duty = self.dsa[f"duty-{pair}-delete"]
                    self.rule(duty, ODRL.Duty, assigner, assignee, ODRL.delete)
                    self.add(duty, ODRL.constraint, retention)
                    self.add(
                        duty,
                        RDFS.comment,
                        Literal(
                            f"Delete the data within {months} months of receiving it.", lang=EN
                        ),
                    )
                    duties.append(duty)
                if breach is not None:
                    duty = self.dsa[f"duty-{pair}-report-breach"]
                    self.rule(duty, ODRL.Duty, assigner, assignee, ODRL.inform)
                    self.add(duty, ODRL.constraint, self.dsa["constraint-after-breach"], breach)
                    others = [p for k, (p, _) in enumerate(parties, 1) if k != j]
                    self.add(duty, ODRL.informedParty, *others)
                    self.add(
                        duty,
                        RDFS.comment,
                        Literal(
                            f"Tell the other parties within {hours} hours of a personal data "
                            "breach affecting this data.",
                            lang=EN,
                        ),
                    )
                    duties.append(duty)
                for code in permitted:
                    if code not in PERMITTED_USES:
                        continue
                    rule = self.dsa[f"permission-{pair}-{code}"]
                    self.add(policy, ODRL.permission, rule)
                    self.rule(
                        rule,
                        ODRL.Permission,
                        assigner,
                        assignee,
                        ODRL[PERMITTED_USES[code].odrl_action],
                    )
                    self.add(rule, RDFS.label, Literal(PERMITTED_USES[code].label, lang=EN))
                    self.add(rule, ODRL.constraint, *permission_constraints)
                    self.add(rule, ODRL.duty, *duties)
                for code in prohibited:
                    if code not in PROHIBITED_USES:
                        continue
                    rule = self.dsa[f"prohibition-{pair}-{code}"]
                    self.add(policy, ODRL.prohibition, rule)
                    self.rule(
                        rule,
                        ODRL.Prohibition,
                        assigner,
                        assignee,
                        ODRL[PROHIBITED_USES[code].odrl_action],
                    )
                    self.add(rule, RDFS.label, Literal(PROHIBITED_USES[code].label, lang=EN))
                    if code == "other-purposes" and purposes:
                        self.add(
                            rule,
                            ODRL.constraint,
                            self.constraint(
                                "other-purposes", ODRL.purpose, ODRL.isNoneOf, *purposes
                            ),
                        )
                    if code == "transfer-outside-uk":
                        self.add(
                            rule,
                            ODRL.constraint,
                            self.constraint("outside-uk", ODRL.spatial, ODRL.neq, UNITED_KINGDOM),
                        )

    def rule(
        self, node: URIRef, kind: URIRef, assigner: URIRef, assignee: URIRef, action: URIRef
    ) -> None:
        self.add(node, RDF.type, kind)
        self.add(node, ODRL.assigner, assigner)
        self.add(node, ODRL.assignee, assignee)
        self.add(node, ODRL.target, self.dsa.data)
        self.add(node, ODRL.action, action)

    # --- signatures (PROV) -----------------------------------------------------------------

    def signatures(self, parties: Sequence[tuple[URIRef, Mapping[str, Any]]]) -> None:
        by_name = {clean(party_values.get("name")): party for party, party_values in parties}
        for index, record in enumerate(self.doc.signatures, 1):
            node = self.dsa[f"signature-{index}"]
            person = self.dsa[f"signature-{index}-signatory"]
            association = self.dsa[f"signature-{index}-association"]
            role = ROLE_IRIS.get(record.role) or ACCORD["Role" + _camel(record.role)]
            consulted = record.kind == "consult"
            verb = "Consultation recorded by" if consulted else "Signed by"
            self.add(
                node,
                RDF.type,
                PROV.Activity,
                ACCORD.Consultation if consulted else ACCORD.Signature,
            )
            self.add(
                node,
                RDFS.label,
                Literal(
                    f"{verb} {clean(record.name)}, {role_label(record.role)}, for "
                    f"{clean(record.party)}",
                    lang=EN,
                ),
            )
            self.add(
                node,
                PROV.endedAtTime,
                Literal(utc(record.signed_at).isoformat(), datatype=XSD.dateTime),
            )
            self.add(node, ACCORD.signedContentHash, Literal(clean(record.version_hash)))
            self.add(node, PROV.wasAssociatedWith, person)
            self.add(node, PROV.qualifiedAssociation, association)
            if record.version_hash == self.doc.content_hash:
                self.add(node, PROV.used, self.agreement)
            self.add(person, RDF.type, PROV.Person)
            self.add(person, RDFS.label, self.text(record.name))
            if clean(record.party) in by_name:
                self.add(person, PROV.actedOnBehalfOf, by_name[clean(record.party)])
            self.add(association, RDF.type, PROV.Association)
            self.add(association, PROV.agent, person)
            self.add(association, PROV.hadRole, role)
            self.add(role, RDF.type, PROV.Role)
            self.add(role, RDFS.label, Literal(role_label(record.role), lang=EN))
            self.add(role, RDFS.isDefinedBy, URIRef(str(ACCORD)))


def _duration(lexical: str) -> Literal:
    """An xsd:duration kept as written ("P12M", "PT24H"); rdflib would rewrite it as "P1Y"."""
    return Literal(lexical, datatype=XSD.duration, normalize=False)


def _date(value: object) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        return None


def render_graph(doc: DocumentInput) -> Graph:
    """The version as an RDF graph (DPV 2.3 + ODRL 2.2 + PROV), without blank nodes.

    Durations keep the form they are written in ("P12M", "PT24H"); rdflib rewrites them when it
    parses ("P1Y", "P1D"), which are the same xsd:duration values, so compare a parsed export
    with another parsed export, not with this graph.
    """
    return _Builder(doc).build()


def _header(doc: DocumentInput) -> str:
    reference = " ".join(clean(doc.content.get("reference", "")).split())
    lines = [
        f"Data Sharing Agreement {reference}, version {doc.version}, exported by Accord.",
        f"Content SHA-256: {' '.join(clean(doc.content_hash).split())}",
        "Vocabularies: W3C DPV 2.3 (dpv:, pd:, eu-gdpr:) and ODRL 2.2 (odrl:); Accord's own",
        "terms are under accord: (https://w3id.org/accord/ns#).",
        *_wrap(STAND_IN_NOTE, 94),
    ]
    return "".join(f"# {line}\n" for line in lines)


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def render_turtle(doc: DocumentInput) -> str:
    """The graph as Turtle, with a comment header; rdflib sorts subjects and predicates."""
    body = render_graph(doc).serialize(format="turtle")
    return _header(doc) + "\n" + body


def _compact(iri: str, prefixes: Iterable[tuple[str, str]]) -> str:
    for prefix, namespace in prefixes:
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*", local):
                return f"{prefix}:{local}"
    return iri


def _value(term: Node, prefixes: Sequence[tuple[str, str]]) -> dict[str, str]:
    if isinstance(term, Literal):
        value = {"@value": str(term)}
        if term.language:
            value["@language"] = term.language
        elif term.datatype is not None and term.datatype != XSD.string:
            value["@type"] = _compact(str(term.datatype), prefixes)
        return value
    return {"@id": _compact(str(term), prefixes)}


def render_jsonld(doc: DocumentInput) -> str:
    """The graph as flattened JSON-LD with an inline context: sorted nodes, sorted values."""
    graph = render_graph(doc)
    namespaces = [(prefix, str(ns)) for prefix, ns in PREFIXES]
    namespaces.append(("dsa", str(_version_base(doc))))
    # Longest namespace first, so that dsa: wins over nothing and pd: over dpv: never clashes.
    ordered = sorted(namespaces, key=lambda item: (-len(item[1]), item[0]))
    nodes: dict[str, dict[str, Any]] = {}
    for s, p, o in graph:
        node = nodes.setdefault(str(s), {"@id": _compact(str(s), ordered)})
        if p == RDF.type:
            node.setdefault("@type", []).append(_compact(str(o), ordered))
        else:
            node.setdefault(_compact(str(p), ordered), []).append(_value(o, ordered))
    graph_nodes = []
    for node in sorted(nodes.values(), key=lambda n: str(n["@id"])):
        out: dict[str, Any] = {"@id": node["@id"]}
        if "@type" in node:
            out["@type"] = sorted(node["@type"])
        for prop in sorted(k for k in node if not k.startswith("@")):
            out[prop] = sorted(node[prop], key=lambda v: json.dumps(v, sort_keys=True))
        graph_nodes.append(out)
    document = {"@context": dict(sorted(namespaces)), "@graph": graph_nodes}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
