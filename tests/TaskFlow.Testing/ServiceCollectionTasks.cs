using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace TaskFlow.Testing;

/// <summary>Lets a test add its own orchestrators and activities to a host that already called <c>AddTaskFlow</c>.</summary>
public static class ServiceCollectionTasks
{
    public static IServiceCollection AddTestTasks(this IServiceCollection services, Action<DurableTaskRegistry> configure)
    {
        ServiceDescriptor registered = services.FirstOrDefault(d => d.ServiceType == typeof(DurableTaskRegistry))
            ?? throw new InvalidOperationException("Call AddTaskFlow before AddTestTasks.");
        configure((DurableTaskRegistry)registered.ImplementationInstance!);
        return services;
    }
}
