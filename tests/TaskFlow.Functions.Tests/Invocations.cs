using Microsoft.Azure.Functions.Worker;
using Moq;

namespace TaskFlow.Functions.Tests;

/// <summary>The host's invocation context as the isolated worker receives it for an activity: the trigger's data (its
/// instance id), the trace context, and the invocation's cancellation token.</summary>
internal static class Invocations
{
    public static FunctionContext Activity(string instanceId, string? traceParent = null)
    {
        var binding = new Mock<BindingContext>();
        binding.Setup(b => b.BindingData).Returns(new Dictionary<string, object?> { ["instanceId"] = instanceId });
        var function = new Mock<FunctionContext>();
        function.Setup(f => f.BindingContext).Returns(binding.Object);
        function.Setup(f => f.CancellationToken).Returns(CancellationToken.None);
        if (traceParent is not null)
        {
            var trace = new Mock<TraceContext>();
            trace.Setup(t => t.TraceParent).Returns(traceParent);
            function.Setup(f => f.TraceContext).Returns(trace.Object);
        }

        return function.Object;
    }
}
