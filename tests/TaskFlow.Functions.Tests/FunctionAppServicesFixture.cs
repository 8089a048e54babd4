using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow.Testing;

namespace TaskFlow.Functions.Tests;

/// <summary>The Function App's services (<c>AddTaskFlowFunctionApp</c>, as Program.cs adds them) over a test database
/// and a fake clock, and a way to call an HTTP function as the host would and read what it answered.</summary>
public sealed class FunctionAppServicesFixture : IAsyncLifetime
{
    private readonly PostgresDatabase database = new();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));

    public ServiceProvider Services { get; private set; } = null!;

    public PostgresDatabase Database => this.database;

    public async Task InitializeAsync()
    {
        await this.database.InitializeAsync();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(this.Time);
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [FunctionAppServices.ConnectionSetting] = this.database.ConnectionString })
            .Build();
        services.AddSingleton(configuration);
        services.AddTaskFlowFunctionApp(configuration);
        this.Services = services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await this.Services.DisposeAsync();
        await this.database.DisposeAsync();
    }

    public DefaultHttpContext Request(string method, string? jsonBody = null)
    {
        var http = new DefaultHttpContext { RequestServices = this.Services };
        http.Request.Method = method;
        http.Response.Body = new MemoryStream();
        if (jsonBody is not null)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(jsonBody);
            http.Request.ContentType = "application/json";
            http.Request.ContentLength = bytes.Length;
            http.Request.Body = new MemoryStream(bytes);
        }

        return http;
    }

    /// <summary>Writes the function's answer into the request's response, as the host does; returns status, content type and body.</summary>
    public static async Task<(int Status, string? ContentType, JsonElement Body)> AnswerAsync(IActionResult action, HttpContext http)
    {
        await action.ExecuteResultAsync(new ActionContext(http, new RouteData(), new ActionDescriptor()));
        http.Response.Body.Position = 0;
        string text = await new StreamReader(http.Response.Body).ReadToEndAsync();
        return (http.Response.StatusCode, http.Response.ContentType, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
