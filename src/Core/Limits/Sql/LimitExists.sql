SELECT EXISTS (SELECT 1 FROM taskflow.limits WHERE scope = @scope AND name = @name);
