using Npgsql;

namespace TaskFlow.Database;

/// <summary>Turns a command's named parameters into positional ones just before it runs, so Npgsql sends its text as
/// it is instead of parsing it again at every execution (<see cref="PositionalSql"/>). Call sites keep adding
/// parameters by name, in any order, as the <c>.sql</c> files name them.</summary>
internal static class PositionalParameters
{
    /// <returns>The same command, ready to run.</returns>
    public static NpgsqlCommand Positional(this NpgsqlCommand command)
    {
        command.CommandText = Bind(command.CommandText, command.Parameters);
        return command;
    }

    /// <returns>The same batch, every command in it ready to run.</returns>
    public static NpgsqlBatch Positional(this NpgsqlBatch batch)
    {
        foreach (NpgsqlBatchCommand command in batch.BatchCommands)
        {
            command.CommandText = Bind(command.CommandText, command.Parameters);
        }

        return batch;
    }

    /// <summary>Reorders <paramref name="parameters"/> to the order of the names in <paramref name="sql"/> and clears their
    /// names; a parameter the text does not name is dropped, as Npgsql drops it.</summary>
    /// <returns>The text to run.</returns>
    /// <remarks>A command with no parameters is left to Npgsql (it may hold several statements, as a migration does);
    /// one already bound (run again after a retry) is left as it is.</remarks>
    /// <exception cref="InvalidOperationException">The text names a parameter the command does not have.</exception>
    private static string Bind(string sql, NpgsqlParameterCollection parameters)
    {
        if (parameters.Count == 0 || parameters[0].ParameterName.Length == 0)
        {
            return sql;
        }

        // Linear look-ups: a statement has a handful of parameters, and this runs at every execution.
        PositionalSql positional = PositionalSql.Of(sql);
        var ordered = new NpgsqlParameter[positional.Names.Count];
        for (int i = 0; i < ordered.Length; i++)
        {
            ordered[i] = Find(parameters, positional.Names[i])
                ?? throw new InvalidOperationException($"The statement uses @{positional.Names[i]}, and no parameter of that name was added to it.");
        }

        parameters.Clear();
        foreach (NpgsqlParameter parameter in ordered)
        {
            parameter.ParameterName = string.Empty;
            parameters.Add(parameter);
        }

        return positional.Text;
    }

    private static NpgsqlParameter? Find(NpgsqlParameterCollection parameters, string name)
    {
        for (int i = 0; i < parameters.Count; i++)
        {
            if (parameters[i].ParameterName.AsSpan().TrimStart('@').Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return parameters[i];
            }
        }

        return null;
    }
}
