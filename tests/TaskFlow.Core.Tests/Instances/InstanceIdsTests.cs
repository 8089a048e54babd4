using TaskFlow.Instances;

namespace TaskFlow.Core.Tests.Instances;

public sealed class InstanceIdsTests
{
    [Fact]
    public void New_IsAVersion7UuidOfTheGivenMillisecond_ThatSortsByTime()
    {
        var now = new DateTimeOffset(2026, 11, 30, 7, 50, 1, 234, TimeSpan.Zero);

        string id = InstanceIds.New(now);
        string later = InstanceIds.New(now.AddMilliseconds(1));

        Guid parsed = Guid.Parse(id);
        Assert.Equal(7, parsed.Version);
        Assert.Equal(0x80, parsed.ToByteArray(bigEndian: true)[8] & 0xC0); // RFC 9562 variant
        Assert.Equal(now.ToUnixTimeMilliseconds().ToString("x12"), id.Replace("-", string.Empty)[..12]);
        Assert.True(string.CompareOrdinal(id, later) < 0);
        Assert.True(InstanceIds.IsValid(id));
        Assert.NotEqual(id, InstanceIds.New(now));
    }
}
