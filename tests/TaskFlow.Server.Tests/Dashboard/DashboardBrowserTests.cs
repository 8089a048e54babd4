using System.Text.Json;
using Microsoft.Playwright;
using TaskFlow.Testing;
using static Microsoft.Playwright.Assertions;

namespace TaskFlow.Server.Tests.Dashboard;

/// <summary>The dashboard in real headless Chromium (Debian's, which scripts/chromium.sh installs) against a real server:
/// an operator signs in, watches tasks live, filters, reads a timeline, cancels a running task with the button, and
/// triggers and pauses a schedule.
/// Each page's screenshot lands in TestResults/screenshots.</summary>
public sealed class DashboardBrowserTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static readonly string Screenshots = Repository.PathTo("TestResults", "screenshots");

    [Fact]
    public async Task AnOperator_SeesTasksLive_Filters_ReadsATimeline_CancelsARunningTask_AndTriggersASchedule_WithoutAReload()
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString);
        await server.Client.PostJsonAsync("/api/schedules", """{"name":"nightly-report","cron":"0 2 * * *","task":{"type":"echo"}}""");
        string failed = (await server.Client.SubmitAsync("""{"type":"flaky","input":{"failures":5},"retry":{"maxAttempts":1}}""")).GetProperty("id").GetString()!;
        await server.Client.WaitForStatusAsync(failed, "failed");

        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await playwright.Chromium.LaunchAsync(HeadlessChromium.Options());

        // Sign in, then mark the document: a reload would lose the mark.
        (IPage page, List<string> pageErrors) = await SignInAsync(browser, server);
        await Expect(page.Locator("#live.on")).ToBeVisibleAsync();
        await Expect(page.Locator("#ready")).ToBeVisibleAsync();
        await page.EvaluateAsync("window.sameDocument = true");
        await ScreenshotAsync(page, "overview");

        // A task submitted through the API appears on the open list, then finishes, pushed by /api/stream.
        await page.ClickAsync("a[href='#/tasks']");
        await Expect(page.Locator("#task-table[data-query='']")).ToBeVisibleAsync(); // the list, not the overview's newest
        string delayed = (await server.Client.SubmitAsync("""{"type":"echo","input":"from the browser test","delay":"PT8S"}""")).GetProperty("id").GetString()!;
        ILocator delayedStatus = page.Locator($"#task-table[data-query=''] tr[data-id='{delayed}'] td[data-status]");
        await Expect(delayedStatus).ToHaveTextAsync("scheduled");
        await Expect(delayedStatus).ToHaveTextAsync("succeeded", new() { Timeout = 20_000 });
        await ScreenshotAsync(page, "tasks");

        // The filters narrow the list to what they name.
        await page.SelectOptionAsync("#filter-status", "failed");
        await page.FillAsync("#filter-type", "flaky");
        await page.ClickAsync("#filters button[type=submit]");
        ILocator filtered = page.Locator("#task-table[data-query='status=failed&type=flaky']");
        await Expect(filtered.Locator($"tr[data-id='{failed}']")).ToBeVisibleAsync();
        await Expect(filtered.Locator($"tr[data-id='{delayed}']")).ToHaveCountAsync(0);
        Assert.All(await filtered.Locator("td[data-status]").AllTextContentsAsync(), status => Assert.Equal("failed", status));
        await ScreenshotAsync(page, "tasks-filtered");

        // Paging: one task per page, the next page shows the next one.
        await page.GotoAsync($"{server.Client.BaseAddress}#/tasks?limit=1");
        ILocator firstPage = page.Locator("#task-table[data-query='limit=1'] tr[data-id]");
        await Expect(firstPage).ToHaveCountAsync(1);
        string? first = await firstPage.GetAttributeAsync("data-id");
        await page.GetByText("Next page →").ClickAsync();
        ILocator secondPage = page.Locator("#task-table[data-query*='cursor='] tr[data-id]");
        await Expect(secondPage).ToHaveCountAsync(1);
        Assert.NotEqual(first, await secondPage.GetAttributeAsync("data-id"));

        // The task's page: its output and its whole history as a timeline.
        await page.GotoAsync($"{server.Client.BaseAddress}#/tasks?type=echo");
        await page.ClickAsync($"a[href='#/tasks/{delayed}']");
        await Expect(page.Locator("#task-status")).ToHaveTextAsync("succeeded");
        int events = (await server.Client.GetJsonAsync($"/api/tasks/{delayed}/history")).GetArrayLength();
        await Expect(page.Locator("#timeline > li")).ToHaveCountAsync(events);
        await Expect(page.Locator("#timeline")).ToContainTextAsync("Submitted");
        await Expect(page.Locator("main")).ToContainTextAsync("\"from the browser test\"");
        await ScreenshotAsync(page, "task-timeline");

        // Cancel a running task with the button.
        string sleeper = (await server.Client.SubmitAsync("""{"type":"sleep","input":{"ms":60000}}""")).GetProperty("id").GetString()!;
        await page.GotoAsync($"{server.Client.BaseAddress}#/tasks/{sleeper}");
        await Expect(page.Locator("#task-status")).ToHaveTextAsync("running", new() { Timeout = 15_000 });
        await page.ClickAsync("#action-cancel");
        await Expect(page.Locator("#task-status")).ToHaveTextAsync("cancelled", new() { Timeout = 15_000 });
        JsonElement cancelled = await server.Client.GetJsonAsync($"/api/tasks/{sleeper}");
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Contains(await server.Client.HistoryTypesAsync(sleeper), type => type == "Cancelled");
        await ScreenshotAsync(page, "task-cancelled");

        // An orchestration's page shows its activities' progress; the raise-event button delivers its event.
        string approval = (await server.Client.SubmitAsync("""{"type":"approval"}""")).GetProperty("id").GetString()!;
        await page.GotoAsync($"{server.Client.BaseAddress}#/tasks/{approval}");
        await Expect(page.Locator("main")).ToContainTextAsync("waiting for approval", new() { Timeout = 15_000 });
        await page.FillAsync("#event-name", "approved");
        await page.FillAsync("#event-data", "true");
        await page.ClickAsync("#action-raise-event");
        await Expect(page.Locator("#task-status")).ToHaveTextAsync("succeeded", new() { Timeout = 15_000 });
        await Expect(page.Locator("#progress")).ToHaveTextAsync("Activities: 1 completed, 0 failed of 1 scheduled");
        await Expect(page.Locator("#timeline")).ToContainTextAsync("EventRaised");
        await ScreenshotAsync(page, "orchestration");

        // Dead letter lists the exhausted task with a retry button; schedules show the next fire times.
        await page.ClickAsync("a[href='#/dead-letter']");
        ILocator retry = page.Locator($"#task-table tr[data-id='{failed}'] button");
        await Expect(retry).ToHaveTextAsync("Retry");
        await ScreenshotAsync(page, "dead-letter");
        int eventsBeforeRetry = (await server.Client.GetJsonAsync($"/api/tasks/{failed}/history")).GetArrayLength();
        await retry.ClickAsync();
        await Eventually.WaitForAsync(
            () => server.Client.GetJsonAsync($"/api/tasks/{failed}/history"),
            history => history.EnumerateArray().Skip(eventsBeforeRetry).Any(e => e.GetProperty("actor").GetString() == server.AdminKeyId),
            TimeSpan.FromSeconds(10),
            "the retry, recorded with the signed-in key as its actor");
        await page.ClickAsync("a[href='#/schedules']");
        ILocator schedule = page.Locator("tr[data-schedule='nightly-report']");
        await Expect(schedule.Locator("td.next")).Not.ToBeEmptyAsync();
        await schedule.GetByRole(AriaRole.Button, new() { Name = "trigger" }).ClickAsync();
        await Expect(schedule.Locator("td.runs a")).ToHaveCountAsync(1);
        await schedule.GetByRole(AriaRole.Button, new() { Name = "pause" }).ClickAsync();
        await Expect(schedule).ToContainTextAsync("paused");
        await Expect(schedule.GetByRole(AriaRole.Button, new() { Name = "resume" })).ToBeVisibleAsync();
        await ScreenshotAsync(page, "schedules");

        Assert.True(await page.EvaluateAsync<bool>("window.sameDocument === true"), "The page reloaded.");
        Assert.Empty(pageErrors);
    }

    [Fact]
    public async Task AnOperator_SignalsAnEntity_AndSeesItsStateOnTheEntitiesPage()
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString);
        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await playwright.Chromium.LaunchAsync(HeadlessChromium.Options());
        (IPage page, List<string> pageErrors) = await SignInAsync(browser, server);
        await page.ClickAsync("a[href='#/entities']");

        // Signal the counter from the form; the workers run it, and the next live update shows its state.
        string key = $"browser-{Guid.NewGuid():N}"[..20];
        await page.FillAsync("#signal-name", "counter");
        await page.FillAsync("#signal-key", key);
        await page.FillAsync("#signal-operation", "add");
        await page.FillAsync("#signal-input", "3");
        await page.ClickAsync("#signal-form button[type=submit]");
        ILocator row = page.Locator($"#entity-table tr[data-entity='@counter@{key}']");
        await Expect(row.Locator("td.state")).ToHaveTextAsync("3", new() { Timeout = 15_000 });
        await Expect(row.Locator("td.queued")).ToHaveTextAsync("0");

        await ScreenshotAsync(page, "entities");
        Assert.Empty(pageErrors);
    }

    [Fact]
    public async Task AnOperator_SetsALimitOnTheLimitsPage_AndRemovesIt()
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api");
        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await playwright.Chromium.LaunchAsync(HeadlessChromium.Options());
        (IPage page, List<string> pageErrors) = await SignInAsync(browser, server);
        await page.ClickAsync("a[href='#/limits']");

        string activity = $"held-{Guid.NewGuid():N}"[..16];
        await page.SelectOptionAsync("#limit-scope", "activity");
        await page.FillAsync("#limit-name", activity);
        await page.FillAsync("#limit-max", "2");
        await page.FillAsync("#limit-rate", "10");
        await page.ClickAsync("#limit-form button[type=submit]");
        ILocator row = page.Locator($"#limit-table tr[data-limit='activity:{activity}']");
        await Expect(row).ToContainTextAsync("10/s, burst 10", new() { Timeout = 15_000 });
        Assert.Equal(2, (await server.Service<TaskFlow.Limits.LimitStore>().ListAsync(CancellationToken.None)).Single(l => l.Limit.Name == activity).Limit.MaxConcurrent);
        await ScreenshotAsync(page, "limits");

        await row.GetByRole(AriaRole.Button, new() { Name = "remove" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        Assert.DoesNotContain((await server.Service<TaskFlow.Limits.LimitStore>().ListAsync(CancellationToken.None)), l => l.Limit.Name == activity);
        Assert.Empty(pageErrors);
    }

    [Fact]
    public async Task AViewer_SeesTheTask_ButItsCancelIsRefusedWithTheRoleItNeeds()
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString);
        string viewer = (await server.Service<TaskFlow.Security.ApiKeyStore>().CreateAsync("viewer", [TaskFlow.Security.Roles.Viewer], 1_000_000, null, "tests")).Secret;
        string sleeper = (await server.Client.SubmitAsync("""{"type":"sleep","input":{"ms":60000}}""")).GetProperty("id").GetString()!;
        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await playwright.Chromium.LaunchAsync(HeadlessChromium.Options());
        IPage page = await browser.NewPageAsync();
        string? refusal = null;
        page.Dialog += async (_, dialog) =>
        {
            refusal = dialog.Message;
            await dialog.DismissAsync();
        };

        await page.GotoAsync(server.Client.BaseAddress!.ToString());
        await page.FillAsync("#key", viewer);
        await page.ClickAsync("#login button[type=submit]");
        await Expect(page.Locator("#live.on")).ToBeVisibleAsync();
        await page.GotoAsync($"{server.Client.BaseAddress}#/tasks/{sleeper}");
        await Expect(page.Locator("#task-status")).ToHaveTextAsync("running", new() { Timeout = 15_000 });
        await page.ClickAsync("#action-cancel");

        string shown = await Eventually.WaitForAsync(() => Task.FromResult(refusal ?? string.Empty), message => message.Length > 0, TimeSpan.FromSeconds(10), "the refusal");
        Assert.Contains("This needs one of the roles operator, admin.", shown);
        Assert.Equal("running", (await server.Client.GetJsonAsync($"/api/tasks/{sleeper}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task AWrongKey_IsRefusedOnTheSignInForm_AndTheDashboardStaysHidden()
    {
        await using TaskFlowServer server = await TaskFlowServer.StartAsync(database.ConnectionString);
        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await playwright.Chromium.LaunchAsync(HeadlessChromium.Options());
        IPage page = await browser.NewPageAsync();

        await page.GotoAsync(server.Client.BaseAddress!.ToString());
        await page.FillAsync("#key", "tfk_000000000000_not-a-real-secret");
        await page.ClickAsync("#login button[type=submit]");

        await Expect(page.Locator("#login-error")).ToContainTextAsync("not valid");
        await Expect(page.Locator("#nav")).ToBeHiddenAsync();
        await ScreenshotAsync(page, "sign-in-refused");
    }

    /// <summary>A page signed in with the server's admin key, and the script errors it will report.</summary>
    private static async Task<(IPage Page, List<string> Errors)> SignInAsync(IBrowser browser, TaskFlowServer server)
    {
        IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        await page.GotoAsync(server.Client.BaseAddress!.ToString());
        await page.FillAsync("#key", server.AdminKey);
        await page.ClickAsync("#login button[type=submit]");
        return (page, errors);
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Screenshots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, $"dashboard-{name}.png"), FullPage = true });
    }
}
