using System.Runtime.CompilerServices;
using System.Text;

namespace TaskFlow.Database;

/// <summary>A statement's text with its <c>@name</c> parameters turned into PostgreSQL's <c>$1</c>, <c>$2</c>, …, and
/// the names in that order: what <see cref="PositionalParameters"/> binds a command's named parameters by.</summary>
/// <remarks>Npgsql rewrites named parameters itself, but at every execution: its parser walked the whole text (the
/// header comment included) each time, 9 % of an orchestration worker's CPU (docs/benchmarks.md). With positional
/// parameters it sends the text as it is. So each text is rewritten here once, and comments, string literals, quoted
/// identifiers and dollar-quoted bodies are kept as they are: a name in them is not a parameter, and an operator that
/// starts with <c>@</c> (<c>@&gt;</c>) is not one either.</remarks>
internal sealed class PositionalSql
{
    // Keyed by the text's identity, not its contents: the statement files' texts are loaded once (SqlText), so a look-up
    // costs no hashing of a few kilobytes at every execution; a text built at run time is rewritten once per instance
    // and goes with it.
    private static readonly ConditionalWeakTable<string, PositionalSql> Cache = new();

    private PositionalSql(string text, IReadOnlyList<string> names)
    {
        this.Text = text;
        this.Names = names;
    }

    /// <summary>The text PostgreSQL runs: <c>$n</c> for the n-th distinct name.</summary>
    public string Text { get; }

    /// <summary>The distinct parameter names in order of first use, without the <c>@</c>.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The rewrite of <paramref name="namedSql"/>, made on its first use and kept.</summary>
    public static PositionalSql Of(string namedSql) => Cache.GetValue(namedSql, Rewrite);

    /// <exception cref="ArgumentException">The text has parameters and more than one statement: PostgreSQL prepares one
    /// statement at a time. (Several statements without parameters, as in a migration, Npgsql splits itself.)</exception>
    internal static PositionalSql Rewrite(string namedSql)
    {
        var text = new StringBuilder(namedSql.Length);
        var names = new List<string>();
        bool severalStatements = false;
        int i = 0;
        while (i < namedSql.Length)
        {
            int end = SkipNonCode(namedSql, i);
            if (end > i)
            {
                text.Append(namedSql, i, end - i);
                i = end;
                continue;
            }

            char c = namedSql[i];
            if (c == '@' && i + 1 < namedSql.Length && IsNameStart(namedSql[i + 1]) && (i == 0 || !(IsNamePart(namedSql[i - 1]) || namedSql[i - 1] == '@')))
            {
                int nameEnd = i + 1;
                while (nameEnd < namedSql.Length && IsNamePart(namedSql[nameEnd]))
                {
                    nameEnd++;
                }

                string name = namedSql[(i + 1)..nameEnd];
                int index = names.FindIndex(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
                if (index < 0)
                {
                    names.Add(name);
                    index = names.Count - 1;
                }

                text.Append('$').Append(index + 1);
                i = nameEnd;
                continue;
            }

            severalStatements |= c == ';' && HasCodeAfter(namedSql, i + 1);
            text.Append(c);
            i++;
        }

        if (severalStatements && names.Count > 0)
        {
            throw new ArgumentException("A statement text with parameters holds one statement; this one has more after a ';'.", nameof(namedSql));
        }

        return new PositionalSql(text.ToString(), names);
    }

    /// <returns>The index after a comment, string literal, quoted identifier or dollar-quoted body that starts at
    /// <paramref name="i"/>; <paramref name="i"/> itself when none starts there.</returns>
    private static int SkipNonCode(string sql, int i)
    {
        char c = sql[i];
        char next = i + 1 < sql.Length ? sql[i + 1] : '\0';
        if (c == '-' && next == '-')
        {
            int lineEnd = sql.IndexOf('\n', i);
            return lineEnd < 0 ? sql.Length : lineEnd;
        }

        if (c == '/' && next == '*')
        {
            return SkipBlockComment(sql, i);
        }

        if (c == '\'')
        {
            // E'…' strings escape with a backslash as well as by doubling.
            bool backslashEscapes = i > 0 && (sql[i - 1] is 'E' or 'e') && (i == 1 || !IsNamePart(sql[i - 2]));
            return SkipQuoted(sql, i, '\'', backslashEscapes);
        }

        if (c == '"')
        {
            return SkipQuoted(sql, i, '"', backslashEscapes: false);
        }

        if (c == '$' && (i == 0 || !IsNamePart(sql[i - 1])))
        {
            int tagEnd = i + 1;
            while (tagEnd < sql.Length && IsNamePart(sql[tagEnd]) && !char.IsAsciiDigit(sql[i + 1]))
            {
                tagEnd++;
            }

            if (tagEnd < sql.Length && sql[tagEnd] == '$')
            {
                string tag = sql[i..(tagEnd + 1)];
                int close = sql.IndexOf(tag, tagEnd + 1, StringComparison.Ordinal);
                return close < 0 ? sql.Length : close + tag.Length;
            }
        }

        return i;
    }

    private static int SkipBlockComment(string sql, int i)
    {
        int depth = 0; // PostgreSQL's block comments nest
        while (i < sql.Length)
        {
            if (sql[i] == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                depth++;
                i += 2;
            }
            else if (sql[i] == '*' && i + 1 < sql.Length && sql[i + 1] == '/')
            {
                i += 2;
                if (--depth == 0)
                {
                    return i;
                }
            }
            else
            {
                i++;
            }
        }

        return sql.Length;
    }

    private static int SkipQuoted(string sql, int i, char quote, bool backslashEscapes)
    {
        i++;
        while (i < sql.Length)
        {
            if (backslashEscapes && sql[i] == '\\')
            {
                i += 2;
            }
            else if (sql[i] == quote)
            {
                if (i + 1 < sql.Length && sql[i + 1] == quote)
                {
                    i += 2; // a doubled quote stands for itself
                }
                else
                {
                    return i + 1;
                }
            }
            else
            {
                i++;
            }
        }

        return sql.Length;
    }

    private static bool HasCodeAfter(string sql, int i)
    {
        while (i < sql.Length)
        {
            int end = SkipNonCode(sql, i);
            if (end > i && (sql[i] is '-' or '/'))
            {
                i = end; // a comment
            }
            else if (char.IsWhiteSpace(sql[i]) || sql[i] == ';')
            {
                i++;
            }
            else
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsNamePart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}
