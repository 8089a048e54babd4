using System.Threading.RateLimiting;

namespace TaskFlow.Api.Admission;

/// <summary>What <see cref="SubmissionAdmission"/> decided: a slot held until disposed, or the refusal to answer with.</summary>
internal sealed record AdmissionDecision(RateLimitLease? Slot, IResult? Refusal) : IDisposable
{
    public void Dispose() => this.Slot?.Dispose();
}
