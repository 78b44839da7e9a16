import './base.css';
import './finetune.css';
import './costguard.css';
import './evaluate.css';
