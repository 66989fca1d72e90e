<?php
// Logs in the way Cachet does: phpdotenv reads the app's .env, PDO connects with DB_* as Laravel's
// connectors build the DSN, then runs one SQL statement. Prints one JSON line; never prints DB_PASSWORD.
// Usage: php php-login.php APP_ROOT SQL

require '/usr/share/php/Dotenv/autoload.php';

[$script, $root, $sql] = $argv;
Dotenv\Dotenv::createImmutable($root)->load();

function env_value(string $key): ?string {
    $value = $_ENV[$key] ?? null;
    // Laravel's env() turns these keywords into values.
    if ($value === null || in_array(strtolower($value), ['null', '(null)'], true)) return null;
    if (in_array(strtolower($value), ['empty', '(empty)'], true)) return '';
    return $value;
}

$driver = env_value('DB_CONNECTION') ?? env_value('DB_DRIVER');
$socket = env_value('DB_SOCKET') ?? env_value('DB_UNIX_SOCKET');
$host = env_value('DB_HOST') ?? '127.0.0.1';
$database = env_value('DB_DATABASE');

if ($driver === 'mysql' || $driver === 'mariadb') {
    $dsn = $socket !== null
        ? "mysql:unix_socket={$socket};dbname={$database}"
        : "mysql:host={$host};port=" . (env_value('DB_PORT') ?? '3306') . ";dbname={$database}";
} else {
    $dsn = "pgsql:host={$host};port=" . (env_value('DB_PORT') ?? '5432') . ";dbname={$database}";
}

try {
    $pdo = new PDO($dsn, env_value('DB_USERNAME'), env_value('DB_PASSWORD'), [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
    $statement = $pdo->query($sql);
    $rows = $statement->columnCount() > 0 ? $statement->fetchAll(PDO::FETCH_NUM) : [];
    echo json_encode(['ok' => true, 'user' => env_value('DB_USERNAME'), 'rows' => $rows]), "\n";
} catch (PDOException $error) {
    echo json_encode(['ok' => false, 'user' => env_value('DB_USERNAME'), 'error' => $error->getMessage()]), "\n";
}
