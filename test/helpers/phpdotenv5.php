<?php
// Loads .env files with the real phpdotenv 5 (Debian's php-vlucas-phpdotenv) the way Laravel does: the file
// store (UTF-8 conversion, byte-order mark), the parser, and the loader writing into an immutable repository.
// Variables given as "environment" play the process environment, which that repository never overwrites.
//
// Usage: php phpdotenv5.php < jobs.json
//   jobs.json: [{"path": "/tmp/x/.env", "environment": {"NAME": "value"}}, ...]
// Prints one JSON array with, per job, {"ok":true,"values":{...}} (each key the file names, null when it
// ends up unset) or {"ok":false,"error":"..."} when phpdotenv rejects the file.

declare(strict_types=1);

require_once '/usr/share/php/Dotenv/autoload.php';

use Dotenv\Exception\ExceptionInterface;
use Dotenv\Loader\Loader;
use Dotenv\Parser\Parser;
use Dotenv\Repository\Adapter\ArrayAdapter;
use Dotenv\Repository\RepositoryBuilder;
use Dotenv\Store\StoreBuilder;

function loadFile(string $path, array $environment): array
{
    $adapter = ArrayAdapter::create()->get();
    foreach ($environment as $name => $value) {
        $adapter->write((string) $name, (string) $value);
    }
    $repository = RepositoryBuilder::createWithNoAdapters()->addAdapter($adapter)->immutable()->make();

    try {
        $store = StoreBuilder::createWithNoNames()->addPath(dirname($path))->addName(basename($path))->make();
        $entries = (new Parser())->parse($store->read());
        (new Loader())->load($repository, $entries);
    } catch (ExceptionInterface $error) {
        return ['ok' => false, 'error' => $error->getMessage()];
    }

    $values = new stdClass();
    foreach ($entries as $entry) {
        $values->{$entry->getName()} = $repository->get($entry->getName());
    }
    return ['ok' => true, 'values' => $values];
}

$jobs = json_decode((string) stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);
$results = [];
foreach ($jobs as $job) {
    $results[] = loadFile($job['path'], $job['environment'] ?? []);
}
echo json_encode($results, JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE), "\n";
