using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.DependencyInjection;
using TaskFlow.Api.Security;

namespace TaskFlow.Functions.Http;

/// <summary>The server's caller gate in front of every HTTP function: security headers, then lockout, authentication,
/// the function's policy (<see cref="RequiresAttribute"/>, or <see cref="AnonymousAttribute"/>; admin when it names
/// neither) and the rate limit. A refused request is answered here and the function does not run.</summary>
internal sealed class CallerGateMiddleware : IFunctionsWorkerMiddleware
{
    private static readonly ConcurrentDictionary<string, Policy?> PolicyByEntryPoint = new(StringComparer.Ordinal);

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is not { } http)
        {
            await next(context); // orchestrations, activities, the timer
            return;
        }

        SecurityHeaders.Apply(http.Response);
        Policy? policy = PolicyByEntryPoint.GetOrAdd(context.FunctionDefinition.EntryPoint, PolicyOf);
        if (await http.RequestServices.GetRequiredService<CallerGate>().AdmitAsync(http, policy) is { } refusal)
        {
            await refusal.ExecuteAsync(http);
            return;
        }

        await next(context);
    }

    /// <summary>The policy declared on the function's method (its entry point is "Namespace.Type.Method").</summary>
    internal static Policy? PolicyOf(string entryPoint)
    {
        int dot = entryPoint.LastIndexOf('.');
        MethodInfo? method = typeof(CallerGateMiddleware).Assembly.GetType(entryPoint[..dot])?.GetMethod(entryPoint[(dot + 1)..]);
        return method?.GetCustomAttribute<AnonymousAttribute>() is not null ? null
            : method?.GetCustomAttribute<RequiresAttribute>()?.Policy ?? Policies.Admin;
    }
}
