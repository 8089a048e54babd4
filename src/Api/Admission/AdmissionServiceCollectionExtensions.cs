namespace TaskFlow.Api.Admission;

/// <summary>Adds admission control for submissions: the same registration for the server's API and the Function App.</summary>
internal static class AdmissionServiceCollectionExtensions
{
    public static IServiceCollection AddTaskFlowAdmission(this IServiceCollection services)
    {
        services.AddOptions<AdmissionOptions>().BindConfiguration(AdmissionOptions.Section)
            .Validate(options => { options.Validate(); return true; }).ValidateOnStart();
        services.AddSingleton<ReadyBacklog>();
        services.AddHostedService(provider => provider.GetRequiredService<ReadyBacklog>());
        services.AddSingleton<SubmissionAdmission>();
        return services;
    }
}
