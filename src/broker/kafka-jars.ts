import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BrokerError } from '../errors';
import { cacheDir } from '../paths';

export const KAFKA_VERSION = '3.9.1';

/**
 * A pom that only lists what the broker needs at run time. Kafka declares its logging backend
 * compileOnly, so without the two reload4j artifacts the broker would run silent.
 */
const POM = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.streamlearn</groupId>
  <artifactId>local-kafka</artifactId>
  <version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>1.2.25</version></dependency>
  </dependencies>
</project>
`;

/** Where-to-get-it advice, shared by every "tool missing" message. */
const ALTERNATIVES = 'or point KAFKA_BROKERS at a running broker, or start one with `docker compose up kafka`';

export function requireTool(command: string, versionFlag: string, install: string): void {
  const probe = spawnSync(command, [versionFlag], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    throw new BrokerError(`\`${command}\` was not found, and the local Kafka broker needs it: install ${install}, ${ALTERNATIVES}.`);
  }
}

/**
 * Returns the folder of broker jars, resolving them from Maven Central on first use. The cache is
 * reused across runs; a marker file is written last so that an interrupted download is redone.
 */
export function ensureKafkaJars(): string {
  const home = cacheDir('kafka');
  const lib = join(home, `lib-${KAFKA_VERSION}`);
  const complete = join(lib, '.complete');
  if (existsSync(complete)) return lib;

  requireTool('mvn', '-v', 'Apache Maven (e.g. `apt-get install maven`) to fetch the Kafka jars');
  mkdirSync(lib, { recursive: true });
  const pom = join(home, 'pom.xml');
  writeFileSync(pom, POM);
  // Maven 3.8 binds an old dependency plugin by default, so the version is named.
  const result = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      pom,
      `-Dmaven.repo.local=${join(home, 'm2')}`,
      'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${lib}`,
    ],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new BrokerError(`Maven could not resolve org.apache.kafka:kafka_2.13:${KAFKA_VERSION}: ${(result.stderr || result.stdout || '').slice(-2000)}`, {
      retriable: true,
    });
  }
  if (!readdirSync(lib).some((file) => file.startsWith('kafka_2.13-'))) {
    throw new BrokerError(`Maven finished but ${lib} holds no kafka_2.13 jar`);
  }
  writeFileSync(complete, new Date().toISOString());
  return lib;
}
