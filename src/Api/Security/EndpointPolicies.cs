namespace TaskFlow.Api.Security;

/// <summary>Declares on a server endpoint the policy that admits its callers (read by the caller gate middleware).</summary>
internal static class EndpointPolicies
{
    public static TBuilder Requires<TBuilder>(this TBuilder builder, Policy policy)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new RequiresAttribute(policy.Name));
}
