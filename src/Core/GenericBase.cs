namespace TaskFlow;

/// <summary>Finds the type arguments a registered class gives its generic base (Activity&lt;,&gt;, Orchestrator&lt;,&gt;).</summary>
internal static class GenericBase
{
    public static Type[] Arguments(Type type, Type openGeneric)
    {
        for (Type? current = type; current is not null; current = current.BaseType)
        {
            if (current.IsGenericType && current.GetGenericTypeDefinition() == openGeneric)
            {
                return current.GetGenericArguments();
            }
        }

        string expected = openGeneric.Name.Split('`')[0] + "<TInput, TOutput>";
        throw new ArgumentException($"{type.Name} does not derive from {expected}; derive from it to register it.");
    }
}
