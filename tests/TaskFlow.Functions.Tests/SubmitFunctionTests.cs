using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;
using TaskFlow.Api.Admission;
using TaskFlow.Api.Endpoints;
using TaskFlow.Functions.Http;
using TaskFlow.Instances;
using TaskFlow.Testing;

namespace TaskFlow.Functions.Tests;

/// <summary><c>POST /api/tasks</c> on Functions: the function body called as the host calls it, with a mocked
/// <see cref="DurableTaskClient"/> (the seam to the Durable extension, which cannot run here).</summary>
public sealed class SubmitFunctionTests(FunctionAppServicesFixture app) : IClassFixture<FunctionAppServicesFixture>
{
    [Fact]
    public async Task ValidOrchestrationTask_SchedulesExactlyOneOrchestration_WithItsNameInputIdAndStartTime()
    {
        var durable = new Mock<DurableTaskClient>("test");
        Microsoft.AspNetCore.Http.DefaultHttpContext http = app.Request("POST", """{"type":"sequence","input":{"steps":4},"id":"order-42","delay":"PT30S","tags":{"team":"a"}}""");
        http.User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Name, "key_0123456789ab")], "ApiKey"));

        var (status, _, body) = await FunctionAppServicesFixture.AnswerAsync(await this.Functions().SubmitAsync(http.Request, durable.Object), http);

        Assert.Equal(202, status);
        Assert.Equal("order-42", body.GetProperty("id").GetString());
        Assert.Equal("/api/tasks/order-42", http.Response.Headers.Location.ToString());
        durable.Verify(
            client => client.ScheduleNewOrchestrationInstanceAsync(
                It.Is<TaskName>(name => name.Name == "sequence"),
                It.Is<object?>(input => input is JsonElement && ((JsonElement)input).GetProperty("steps").GetInt32() == 4),
                It.Is<StartOrchestrationOptions?>(options =>
                    options!.InstanceId == "order-42" && options.StartAt == app.Time.GetUtcNow().AddSeconds(30) && options.Tags["team"] == "a"
                    && options.Tags[Provider.TaskFlowOrchestrationService.ActorTag] == "key_0123456789ab"),
                It.IsAny<CancellationToken>()),
            Times.Once);
        durable.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task ValidActivityTask_StartsItInsideTheBuiltInOrchestration_WithItsRetryPolicyAndTimeout()
    {
        var durable = new Mock<DurableTaskClient>("test");
        Microsoft.AspNetCore.Http.DefaultHttpContext http = app.Request("POST", """{"type":"echo","input":"hi","retry":{"maxAttempts":5},"timeout":"PT1M"}""");

        var (status, _, body) = await FunctionAppServicesFixture.AnswerAsync(await this.Functions().SubmitAsync(http.Request, durable.Object), http);

        Assert.Equal(202, status);
        string id = body.GetProperty("id").GetString()!;
        Assert.True(InstanceIds.IsValid(id));
        durable.Verify(
            client => client.ScheduleNewOrchestrationInstanceAsync(
                It.Is<TaskName>(name => name.Name == "taskflow-activity"),
                It.Is<object?>(input => Wrapped(input, "echo", "\"hi\"", 5, "PT1M")),
                It.Is<StartOrchestrationOptions?>(options => options!.InstanceId == id && options.StartAt == null),
                It.IsAny<CancellationToken>()),
            Times.Once);
        durable.VerifyNoOtherCalls();
    }

    /// <summary>What the Durable client 1.28 throws when the host refuses an id whose instance has not finished.</summary>
    [Fact]
    public async Task AnIdWhoseInstanceHasNotFinished_Answers409ProblemJson_NamingIt()
    {
        var durable = new Mock<DurableTaskClient>("test");
        durable.Setup(client => client.ScheduleNewOrchestrationInstanceAsync(
                It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException("An Orchestration instance with the status Running already exists."));
        Microsoft.AspNetCore.Http.DefaultHttpContext http = app.Request("POST", """{"type":"sequence","id":"order-409"}""");

        var (status, contentType, body) = await FunctionAppServicesFixture.AnswerAsync(await this.Functions().SubmitAsync(http.Request, durable.Object), http);

        Assert.Equal(409, status);
        Assert.StartsWith("application/problem+json", contentType);
        Assert.Contains("order-409", body.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("""{"type":"no-such-type"}""", "type")]
    [InlineData("""{"type":"sequence","priority":12}""", "priority")]
    [InlineData("""{"type":"echo","id":"bad id with spaces"}""", "id")]
    [InlineData("""{"type":"sleep","input":{"ms":"soon"}}""", "input")]
    public async Task BadInput_SchedulesNothing_AndAnswersProblemJsonNamingTheField(string request, string field)
    {
        var durable = new Mock<DurableTaskClient>("test");
        Microsoft.AspNetCore.Http.DefaultHttpContext http = app.Request("POST", request);

        var (status, contentType, body) = await FunctionAppServicesFixture.AnswerAsync(await this.Functions().SubmitAsync(http.Request, durable.Object), http);

        Assert.Equal(400, status);
        Assert.StartsWith("application/problem+json", contentType);
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.ToString());
        durable.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task NotJson_SchedulesNothing_AndAnswers415()
    {
        var durable = new Mock<DurableTaskClient>("test");
        Microsoft.AspNetCore.Http.DefaultHttpContext http = app.Request("POST");
        http.Request.ContentType = "text/plain";

        var (status, contentType, _) = await FunctionAppServicesFixture.AnswerAsync(await this.Functions().SubmitAsync(http.Request, durable.Object), http);

        Assert.Equal(415, status);
        Assert.StartsWith("application/problem+json", contentType);
        durable.VerifyNoOtherCalls();
    }

    private static bool Wrapped(object? input, string activity, string activityInput, int maxAttempts, string timeout)
    {
        JsonElement json = (JsonElement)input!;
        return json.GetProperty("activity").GetString() == activity
            && json.GetProperty("input").GetRawText() == activityInput
            && json.GetProperty("retry").GetProperty("maxAttempts").GetInt32() == maxAttempts
            && json.GetProperty("timeout").GetString() == timeout;
    }

    [Fact]
    public async Task Submit_WhileTheReadyBacklogIsAtItsLimit_Is429WithRetryAfter_AndStartsNothing()
    {
        await app.Services.GetRequiredService<TaskFlowClient>().ScheduleNewTaskAsync(
            TestTasks.Submission(), "tests", CancellationToken.None);
        var limits = Options.Create(new AdmissionOptions { MaxReadyBacklog = 1, BacklogCheckInterval = TimeSpan.FromSeconds(3) });
        var backlog = new ReadyBacklog(app.Services.GetRequiredService<WorkItems.WorkItemQueue>(), limits, app.Time, NullLogger<ReadyBacklog>.Instance);
        await backlog.RefreshAsync(CancellationToken.None);
        using var admission = new SubmissionAdmission(limits, backlog, app.Time);
        var durable = new Mock<DurableTaskClient>("test");
        Microsoft.AspNetCore.Http.DefaultHttpContext http = app.Request("POST", """{"type":"echo","input":"refused"}""");

        var (status, contentType, body) = await FunctionAppServicesFixture.AnswerAsync(await this.Functions(admission).SubmitAsync(http.Request, durable.Object), http);

        Assert.Equal(429, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal("Backlog full", body.GetProperty("title").GetString());
        Assert.Equal("3", http.Response.Headers.RetryAfter.ToString());
        durable.VerifyNoOtherCalls();
    }

    private TaskFunctions Functions(SubmissionAdmission? admission = null) => new(
        app.Services.GetRequiredService<TaskFlowClient>(), app.Services.GetRequiredService<TaskTypes>(),
        app.Services.GetRequiredService<IOptions<ApiOptions>>(), admission ?? app.Services.GetRequiredService<SubmissionAdmission>(), app.Time);
}
