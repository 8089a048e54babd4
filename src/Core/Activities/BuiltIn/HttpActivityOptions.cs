namespace TaskFlow.Activities.BuiltIn;

/// <summary>Settings of the built-in <c>http</c> activity (configuration section <c>TaskFlow:Http</c>).</summary>
public sealed class HttpActivityOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "TaskFlow:Http";

    /// <summary>Host names that may resolve to private, loopback or link-local addresses (all others may not).</summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>How long one request may take before it is abandoned and retried.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Response bodies longer than this are cut, so a task's output stays small.</summary>
    public int MaxResponseBodyChars { get; set; } = 64 * 1024;
}
