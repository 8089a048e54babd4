using Microsoft.Extensions.Configuration;
using TaskFlow.Database;

namespace TaskFlow.Core.Tests.Database;

/// <summary>Every host reads the connection string through one place, with one message for what to set.</summary>
public sealed class ConnectionSettingsTests
{
    [Fact]
    public void ConnectionStringsSection_WinsOverTheAppSetting_WhichFunctionAppsUse()
    {
        Assert.Equal("Host=a", ConnectionSettings.Read(Configuration(("ConnectionStrings:TaskFlow", "Host=a"), ("TaskFlow", "Host=b"))));
        Assert.Equal("Host=b", ConnectionSettings.Read(Configuration(("TaskFlow", "Host=b"))));
        Assert.Equal("Host=c", ConnectionSettings.Read(Configuration(("Other", "Host=c")), "Other"));
    }

    [Theory]
    [InlineData(null, "No PostgreSQL connection string: set ConnectionStrings:TaskFlow (environment variable ConnectionStrings__TaskFlow) or, in a Function App, the app setting 'TaskFlow'")]
    [InlineData("Hots=127.0.0.1;Password=secret", "The PostgreSQL connection string in ConnectionStrings:TaskFlow")]
    [InlineData("Database=taskflow", "is not valid: it names no Host.")]
    public void MissingOrInvalid_IsRefusedSayingWhatToSet_WithoutRepeatingTheString(string? value, string message)
    {
        IConfiguration configuration = value is null ? Configuration() : Configuration(("ConnectionStrings:TaskFlow", value));
        var refusal = Assert.Throws<InvalidOperationException>(() => ConnectionSettings.Read(configuration));
        Assert.Contains(message, refusal.Message);
        Assert.DoesNotContain("secret", refusal.Message);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
}
