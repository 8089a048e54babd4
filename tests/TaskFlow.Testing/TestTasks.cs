using System.Security.Cryptography;
using System.Text;
using TaskFlow.Instances;
using TaskFlow.Retries;

namespace TaskFlow.Testing;

/// <summary>Submissions with defaults, so each test sets only what it is about.</summary>
public static class TestTasks
{
    public static TaskSubmission Submission(
        string type = "echo",
        string? inputJson = "{\"hello\":\"world\"}",
        int priority = 5,
        TimeSpan? delay = null,
        RetryPolicy? retry = null,
        TimeSpan? timeout = null,
        string? idempotencyKey = null) => new(
            type,
            inputJson,
            priority,
            RunAt: null,
            delay,
            retry ?? new RetryPolicy(),
            timeout,
            idempotencyKey,
            new Dictionary<string, string>(),
            SHA256.HashData(Encoding.UTF8.GetBytes($"{type}|{inputJson}|{priority}|{delay}")));
}
