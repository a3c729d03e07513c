import 'tsx';
