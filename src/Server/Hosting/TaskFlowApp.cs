using Microsoft.AspNetCore.Http.Features;
using TaskFlow.Api.Admission;
using TaskFlow.Api.Endpoints;
using TaskFlow.Api.Samples;
using TaskFlow.Api.Schedules;
using TaskFlow.Api.Security;
using TaskFlow.Database;
using TaskFlow.Dispatch.Doorbells;
using TaskFlow.Server.Dashboard;
using TaskFlow.Telemetry;
using TaskFlow.Workers;

namespace TaskFlow.Server.Hosting;

/// <summary>Builds the TaskFlow process for its role: the HTTP API (Kestrel), the worker, or both.</summary>
internal static class TaskFlowApp
{
    /// <summary>How much longer than the worker's shutdown grace the host waits for its services to stop (the release
    /// of unfinished work and the last commits); a platform's kill must wait longer still (the Helm chart's
    /// terminationGracePeriodSeconds).</summary>
    public static readonly TimeSpan ShutdownMargin = TimeSpan.FromSeconds(10);

    /// <param name="args">Command-line arguments (<c>--role</c>, <c>--urls</c>, any <c>--Section:Key=value</c>).</param>
    /// <param name="configureServices">Lets tests swap services, e.g. a fake <see cref="TimeProvider"/>.</param>
    public static IHost Build(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        var configuration = new ConfigurationBuilder().AddCommandLine(args).AddEnvironmentVariables().Build();
        ProcessRole role = ProcessRoles.Parse(configuration["role"] ?? configuration["TaskFlow:Role"]);
        return role switch
        {
            ProcessRole.Migrate => BuildOneShot<StopOnceStarted>(args, migrate: true),
            ProcessRole.CreateAdminKey => BuildOneShot<AdminKeyCommand>(args, migrate: false),
            ProcessRole.Worker when HealthUrls(configuration) is not null => BuildWorkerWithHealth(args, configureServices),
            ProcessRole.Worker => BuildWorker(args, configureServices),
            _ => BuildWeb(args, role, configureServices),
        };
    }

    /// <summary>Where a worker answers probes and scrapes: <c>--urls</c>, <c>ASPNETCORE_URLS</c> or
    /// <c>ASPNETCORE_HTTP_PORTS</c> (a container image's), when one is set. A worker without it serves no HTTP.</summary>
    private static string? HealthUrls(IConfiguration configuration) =>
        configuration["urls"] ?? configuration["ASPNETCORE_URLS"] ?? configuration["ASPNETCORE_HTTP_PORTS"];

    private static WebApplication BuildWeb(string[] args, ProcessRole role, Action<IServiceCollection>? configureServices)
    {
        // appsettings.json sits beside the binary, wherever the process is started from.
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        AddTaskFlow(builder, role);
        // A 503 (the database unreachable, or every pooled connection busy) says when to come back, like admission's refusals.
        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context =>
        {
            if (context.HttpContext.Response.StatusCode == StatusCodes.Status503ServiceUnavailable)
            {
                context.HttpContext.Response.Headers.TryAdd("Retry-After", "1");
            }
        });
        builder.Services.AddOpenApi("v1");
        builder.Services.AddTaskFlowSecurity(builder.Configuration);
        builder.Services.AddTaskFlowAdmission();
        builder.Services.AddSingleton<QueueSnapshotService>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<QueueSnapshotService>());
        var security = builder.Configuration.GetSection(SecurityOptions.Section).Get<SecurityOptions>() ?? new SecurityOptions();
        if (security.CorsOrigins.Count > 0)
        {
            builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy => policy.WithOrigins([.. security.CorsOrigins]).AllowAnyHeader().AllowAnyMethod()));
        }

        configureServices?.Invoke(builder.Services);

        WebApplication app = builder.Build();
        // The database unreachable or every pooled connection busy: a passing overload, not a bug: 503.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception is Npgsql.NpgsqlException { IsTransient: true } or TimeoutException
                ? StatusCodes.Status503ServiceUnavailable
                : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();

        // Named here, inside the exception handler: left out, WebApplication puts it first of all, where a database
        // error while it looks up an API key escaped as a bare 500 instead of a 503 with Retry-After.
        app.UseAuthentication();
        app.Use((context, next) =>
        {
            SecurityHeaders.Apply(context.Response);
            return next(context);
        });
        if (security.CorsOrigins.Count > 0)
        {
            app.UseCors();
        }

        app.UseDashboard();

        // Every endpoint declares who may call it (Requires, or Anonymous); one that does not is for admins only.
        app.UseRouting();
        app.Use(async (context, next) =>
        {
            Endpoint? endpoint = context.GetEndpoint();
            Policy? policy = endpoint is null || endpoint.Metadata.GetMetadata<AnonymousAttribute>() is not null
                ? null
                : endpoint.Metadata.GetMetadata<RequiresAttribute>()?.Policy ?? Policies.Admin;
            if (await context.RequestServices.GetRequiredService<CallerGate>().AdmitAsync(context, policy) is { } refusal)
            {
                await refusal.ExecuteAsync(context);
                return;
            }

            await next(context);
        });
        app.MapOpenApi("/openapi.json").WithMetadata(new AnonymousAttribute());
        if (ServerTelemetry.MetricsEnabled(app.Configuration))
        {
            app.MapPrometheusScrapingEndpoint("/metrics").WithMetadata(new AnonymousAttribute());
        }

        app.MapKeyEndpoints();
        app.MapStreamEndpoints();
        app.MapHealthEndpoints();
        app.MapTaskEndpoints();
        app.MapDeadLetterEndpoints();
        app.MapEntityEndpoints();
        app.MapLimitEndpoints();
        app.MapScheduleEndpoints();
        app.MapWorkerEndpoints();
        app.MapStatusEndpoints();

        return app;
    }

    private static IHost BuildWorker(string[] args, Action<IServiceCollection>? configureServices)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        AddTaskFlow(builder, ProcessRole.Worker);
        configureServices?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>A worker that also answers <c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c> (for a container's probes
    /// and Prometheus' scrapes), and nothing else: no API, no dashboard, no callers to authenticate.</summary>
    private static WebApplication BuildWorkerWithHealth(string[] args, Action<IServiceCollection>? configureServices)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        AddTaskFlow(builder, ProcessRole.Worker, servesHttp: true);
        configureServices?.Invoke(builder.Services);

        WebApplication app = builder.Build();
        app.MapHealthEndpoints();
        if (ServerTelemetry.MetricsEnabled(app.Configuration))
        {
            app.MapPrometheusScrapingEndpoint("/metrics");
        }

        return app;
    }

    /// <summary>A process that does one thing and exits: the store's start (the schema migrated, or with
    /// <paramref name="migrate"/> false as <c>TaskFlow:Database:MigrateOnStart</c> says), then <typeparamref name="TCommand"/>,
    /// which stops the host. Exit code 0, or 1 with the reason when the start fails.</summary>
    private static IHost BuildOneShot<TCommand>(string[] args, bool migrate)
        where TCommand : class, IHostedService
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        ServerTelemetry.AddJsonLogs(builder);
        builder.Services.AddTaskFlowStore(ConnectionSettings.Read(builder.Configuration));
        if (migrate)
        {
            builder.Services.PostConfigure<DatabaseOptions>(options => options.MigrateOnStart = true);
        }

        builder.Services.AddHostedService<TCommand>();
        return builder.Build();
    }

    private static void AddTaskFlow(IHostApplicationBuilder builder, ProcessRole role, bool servesHttp = false)
    {
        ServerTelemetry.AddJsonLogs(builder);
        ServerTelemetry.AddTracing(builder);
        ServerTelemetry.AddMetrics(builder, servesHttp: servesHttp || role.RunsApi());

        string connectionString = ConnectionSettings.Read(builder.Configuration);

        builder.Services.AddSingleton(new WorkerIdentity { Role = role.ToString().ToLowerInvariant() });
        TaskFlowBuilder taskFlow = builder.Services.AddTaskFlow(connectionString, tasks => tasks.AddSampleTaskTypes().AddSampleEntities());
        builder.Services.Configure<ApiOptions>(builder.Configuration.GetSection(ApiOptions.Section));
        builder.Services.AddHostedService<ConfiguredSchedules>();
        if (role.RunsWorker())
        {
            taskFlow.AddWorker();
            builder.Services.Configure<HostOptions>(options =>
                options.ShutdownTimeout = builder.Configuration.GetValue<TimeSpan?>($"{WorkerOptions.Section}:ShutdownGracePeriod")
                    .GetValueOrDefault(new WorkerOptions().ShutdownGracePeriod) + ShutdownMargin);
        }

        if (builder.Configuration[$"{QueueDispatchOptions.Section}:Mode"] == QueueDispatchOptions.AzureQueueMode)
        {
            taskFlow.AddQueueDispatch();
        }
    }
}
