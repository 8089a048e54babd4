using TaskFlow.Provider;

namespace TaskFlow.Core.Tests.Provider;

/// <summary>Activity inputs across the Durable Task Framework's boundary: stored as given, handed back as its parameter
/// array, which the SDK's activity shim strips again.</summary>
public sealed class FrameworkParametersTests
{
    [Theory]
    [InlineData("""[{"ms":20}]""", """{"ms":20}""")]
    [InlineData("[0]", "0")]
    [InlineData("""[[1,2]]""", "[1,2]")]   // an array input is one parameter
    [InlineData("[null]", "null")]
    [InlineData("""["text"]""", "\"text\"")]
    [InlineData("[1,2]", "[1,2]")]         // several parameters: kept as they are
    [InlineData("[]", "[]")]
    [InlineData("5", "5")]
    [InlineData(null, null)]
    public void Unwrap_StoresTheOneParameter(string? parameters, string? stored) =>
        Assert.Equal(stored, FrameworkParameters.Unwrap(parameters));

    [Theory]
    [InlineData("""{"ms":20}""")]
    [InlineData("[1,2]")]
    [InlineData("0")]
    [InlineData("null")]
    public void Wrap_IsTheInverseOfUnwrap_ForOneParameter(string input) =>
        Assert.Equal(input, FrameworkParameters.Unwrap(FrameworkParameters.Wrap(input)));

    [Fact]
    public void Wrap_OfNoInput_IsTheArrayTheFrameworkWritesForIt() => Assert.Equal("[null]", FrameworkParameters.Wrap(null));
}
