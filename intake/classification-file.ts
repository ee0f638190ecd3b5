/** Classification rules from config/classification.yaml (LOCKOUT_CLASSIFICATION), validated. */
import { ClassificationRules } from './classify';
import { loadYamlFile } from '../lib/yaml-file';

/** Throws FileProblems (`file:line  field: reason`) when the file is missing or wrong. */
export function loadClassification(file: string): ClassificationRules {
  return loadYamlFile(file, ClassificationRules);
}
