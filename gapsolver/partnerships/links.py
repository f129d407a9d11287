"""Who can give what to whom: the partnership links, read once from the scenario.

A donation links its donor to each eligible recipient; a training links its trainer to each eligible
trainee. The partnership graph (:mod:`gapsolver.partnerships.graph`) draws its donation and training
edges from these links, and the model's encoding (:mod:`gapsolver.preprocess.encode`) reads the same
links here, without building a graph (and without importing networkx on the solve's path).
"""

from __future__ import annotations

from dataclasses import dataclass

from gapsolver.schema import Scenario


@dataclass(frozen=True)
class DonationLink:
    donation: str
    donor: str
    recipient: str
    item: str
    quantity: int


@dataclass(frozen=True)
class TrainingLink:
    training: str
    trainer: str
    trainee: str
    capability: str
    capacity: int
    lead_time_days: int


def donation_links(scenario: Scenario) -> list[DonationLink]:
    """One link per (donation, eligible recipient), in scenario order."""
    return [
        DonationLink(d.id, d.donor, recipient, d.item, d.quantity)
        for d in scenario.donations
        for recipient in d.eligible_recipients
    ]


def training_links(scenario: Scenario) -> list[TrainingLink]:
    """One link per (training, eligible trainee), in scenario order."""
    return [
        TrainingLink(t.id, t.trainer, trainee, t.capability, t.capacity, t.lead_time_days)
        for t in scenario.trainings
        for trainee in t.eligible_trainees
    ]
