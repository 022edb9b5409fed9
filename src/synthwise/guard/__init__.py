"""Guards on synthetic data: the quality gate (pass / fail on metric thresholds) and the row audit."""

from synthwise.guard.audit import AuditResult, audit
from synthwise.guard.gate import Gate, GateFailure, GateResult, Threshold

__all__ = ["AuditResult", "Gate", "GateFailure", "GateResult", "Threshold", "audit"]
